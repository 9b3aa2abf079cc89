package cli

import "spotcast/campaign"

// cliControls names, for the engine's settings, the flags (and variables)
// that set them: the CLI's half of the rule that campaign and client never
// name a face's controls.
var cliControls = map[campaign.Setting]string{
	campaign.SettingContent:        "--content or --content-file",
	campaign.SettingMediaURL:       "--media-url",
	campaign.SettingNoMediaURL:     "--media-url",
	campaign.SettingRecipients:     "--to, --csv or --group",
	campaign.SettingDefaultCountry: "--default-country",
	campaign.SettingPhoneColumn:    "--phone-column",
	campaign.SettingBaseURL:        "--base-url or " + envBaseURL,
	campaign.SettingJobPath:        "--job-path or " + envJobPath,
	campaign.SettingAPIKey:         "--api-key or " + envAPIKey,
	campaign.SettingStateDir:       "--state-dir",
}

// flagWords is an engine text with the CLI's flags named.
func flagWords(s string) string { return campaign.WithControls(s, cliControls) }

// flagWordsReport names the flags in an import report's problem reasons.
func flagWordsReport(rep *campaign.ImportReport) {
	if rep == nil {
		return
	}
	for i := range rep.Problems {
		rep.Problems[i].Reason = flagWords(rep.Problems[i].Reason)
	}
}
