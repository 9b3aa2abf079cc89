package campaign

import "strings"

// permanentPhrases are the API failure reasons a second send cannot fix:
// the number cannot receive WhatsApp messages, or its owner refuses ours.
// Anything else (offline device, timeout, rate limit, unknown) may succeed
// later and is offered for re-sending.
var permanentPhrases = []string{
	"not on whatsapp",
	"not a whatsapp",
	"not registered",
	"no whatsapp account",
	"blocked",
	"invalid number",
	"invalid phone",
	"invalid recipient",
	"not a valid",
	"does not exist",
	"opted out",
	"unsubscribed",
}

// PermanentFailure reports whether a recipient's failure reason, as the API
// worded it, means sending the same message again would fail again.
func PermanentFailure(reason string) bool {
	r := strings.ToLower(reason)
	for _, p := range permanentPhrases {
		if strings.Contains(r, p) {
			return true
		}
	}
	return false
}
