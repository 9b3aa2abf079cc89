// Package sandbox is an in-process fake of the WhatsSpot API (API.md), used
// by --sandbox and by tests over real HTTP.
package sandbox

// Key is the API key the sandbox accepts unless told otherwise.
const Key = "sandbox-key"
