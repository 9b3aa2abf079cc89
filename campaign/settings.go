package campaign

import "strings"

// Setting is a phrase that names something the operator sets, as the
// engine's texts say it. campaign and client never name a face's control
// (a flag, a key): each face adds its own with WithControls — the CLI
// "--default-country", the TUI "press c".
type Setting string

const (
	SettingContent        Setting = "write the message text"
	SettingMediaURL       Setting = "give the media URL"
	SettingNoMediaURL     Setting = "clear the media URL"
	SettingRecipients     Setting = "add numbers, a contact list or a group"
	SettingDefaultCountry Setting = "set the default country"
	SettingPhoneColumn    Setting = "name the phone column"
	SettingBaseURL        Setting = "set the API base URL"
	SettingJobPath        Setting = "set the job status path"
	SettingAPIKey         Setting = "configure the API key"
	SettingStateDir       Setting = "the state directory"
)

// Settings lists every Setting.
var Settings = []Setting{SettingContent, SettingMediaURL, SettingNoMediaURL, SettingRecipients,
	SettingDefaultCountry, SettingPhoneColumn, SettingBaseURL, SettingJobPath, SettingAPIKey, SettingStateDir}

// WithControls adds a face's control after the first mention of each
// setting in text: "set the default country" becomes "set the default
// country (--default-country)". Settings the face has no control for
// stay as words.
func WithControls(text string, controls map[Setting]string) string {
	for _, s := range Settings {
		c, ok := controls[s]
		if !ok || c == "" {
			continue
		}
		i := strings.Index(text, string(s))
		if i < 0 {
			continue
		}
		end := i + len(s)
		if strings.HasPrefix(text[end:], " ("+c+")") {
			continue // already named
		}
		text = text[:end] + " (" + c + ")" + text[end:]
	}
	return text
}
