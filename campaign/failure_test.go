package campaign

import "testing"

func TestPermanentFailure(t *testing.T) {
	for reason, want := range map[string]bool{
		"number is not on WhatsApp":                      true,
		"Not on WhatsApp":                                true,
		"recipient blocked the sender":                   true,
		"blocked":                                        true,
		"invalid number":                                 true,
		"Invalid phone number format":                    true,
		"message undeliverable: device offline too long": false,
		"timeout":                                        false,
		"rate limited, try later":                        false,
		"":                                               false,
	} {
		if got := PermanentFailure(reason); got != want {
			t.Errorf("PermanentFailure(%q) = %v, want %v", reason, got, want)
		}
	}
}
