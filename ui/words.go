package ui

import "spotcast/campaign"

// tuiControls names, for the engine's settings, where they are set in the
// composer: a step or a key, never a CLI flag (an operator over SSH has no
// command line). Settings made when spotcast starts stay as words.
var tuiControls = map[campaign.Setting]string{
	campaign.SettingContent:        "on the Content step",
	campaign.SettingMediaURL:       "on the Media URL step",
	campaign.SettingNoMediaURL:     "on the Media URL step",
	campaign.SettingRecipients:     "on the Recipients step",
	campaign.SettingDefaultCountry: "press c",
	campaign.SettingPhoneColumn:    "press p",
}

// keyWords is an engine text with the composer's controls named.
func keyWords(s string) string { return campaign.WithControls(s, tuiControls) }
