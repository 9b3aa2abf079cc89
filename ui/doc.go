// Package ui is spotcast's Bubble Tea interface: the composer wizard, the
// review card, the live progress view, the jobs list. It holds no business
// rules: those live in package campaign, whose Engine the entry hands in
// (through ui/common); reusable widgets are in ui/components.
package ui
