package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"spotcast/campaign"
	"spotcast/client"
	"spotcast/ui"
)

// This file is the one place where what the engine decided becomes an exit
// code and the words a script or a person at a shell reads (SPEC 3).

// verdictExit is the exit code of how watched jobs ended.
func verdictExit(v campaign.WatchVerdict) int {
	switch v {
	case campaign.VerdictFailed:
		return ExitJobFailed
	case campaign.VerdictRefused:
		return ExitRejected
	case campaign.VerdictUnreachable:
		return ExitTransport
	case campaign.VerdictInterrupted:
		return ExitInterrupted
	}
	return ExitOK
}

// watchError says how watched jobs ended, with the command that picks the
// watch up again where that can help.
func watchError(v campaign.WatchVerdict, results []campaign.JobResult) error {
	code := verdictExit(v)
	if code == ExitOK {
		return nil
	}
	var open []string // jobs whose end we do not know
	for _, r := range results {
		if r.End == "" || r.End == campaign.EndUnreachable {
			open = append(open, campaign.Sanitize(r.JobID))
		}
	}
	problems := strings.Join(campaign.WatchProblems(results), "; ")
	switch v {
	case campaign.VerdictInterrupted:
		return exitf(code, "interrupted; the jobs go on server-side: re-attach with `spotcast watch %s`", strings.Join(open, " "))
	case campaign.VerdictUnreachable:
		return exitf(code, "%s. The jobs go on server-side: re-attach with `spotcast watch %s` when the API answers", problems, strings.Join(open, " "))
	}
	return exitf(code, "%s", problems)
}

// uiDone prints how the TUI ended and returns its exit code as the error.
func (a *app) uiDone(res ui.Result) error {
	if res.Message != "" {
		fmt.Fprintln(a.errOut, campaign.Sanitize(res.Message))
	}
	switch {
	case res.Failed:
		return quietExit(ExitError)
	case res.Interrupted:
		return quietExit(ExitInterrupted)
	case res.Watched:
		return codeOnly(verdictExit(res.Verdict))
	}
	return nil
}

// sendFailure maps a send error to its exit code and a message that says
// what happened, what it means for the campaign and what to do.
func (a *app) sendFailure(err error, sub *campaign.Submission, c *conn) error {
	where, resume := "", ""
	if sub != nil {
		where = " (campaign " + sub.CampaignID + ")"
		if campaign.Summarize(sub, nil).Resumable() {
			resume = "; send what is left with `spotcast resume " + sub.CampaignID + "`"
		}
	}
	var all *campaign.AllSuppressedError
	if errors.As(err, &all) {
		return exitf(ExitInvalid, "%s; see `spotcast optout list`", all.Error())
	}
	var te *campaign.ThrottledError
	if errors.As(err, &te) {
		return exitf(ExitRejected, "%s%s%s", campaign.Sanitize(te.Error()), where, orDefault(resume, "; try again later"))
	}
	code, msg := classify(err, c)
	if code == ExitTransport && campaign.IsNotSent(err) {
		return exitf(code, "%s%s. Nothing reached WhatsSpot: the request is journaled as not sent%s", msg, where, orDefault(resume, ""))
	}
	switch code {
	case ExitRejected:
		return exitf(code, "%s%s; nothing more was sent%s", msg, where, resume)
	case ExitTransport:
		if !strings.Contains(msg, "journaled") {
			msg += ". The outcome may be unknown: the request may or may not have reached WhatsSpot; it is journaled as such"
		}
		return exitf(code, "%s%s. Check with `spotcast jobs` before sending again", msg, where)
	}
	return exitf(code, "%s%s", msg, where)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// classify maps an API error to an exit code and a sanitised message.
func classify(err error, c *conn) (int, string) {
	text := campaign.Sanitize(err.Error())
	if client.IsAuth(err) {
		key := ""
		if c != nil && c.key != "" {
			key = " (" + maskKey(c.key) + ")"
		}
		return ExitRejected, fmt.Sprintf("the API key%s was refused — %s", key, text)
	}
	if _, ok := campaign.IsThrottled(err); ok {
		return ExitRejected, "rate limited by the API: " + text
	}
	var ae *client.APIError
	if errors.As(err, &ae) && ae.StatusCode >= 400 && ae.StatusCode < 500 {
		return ExitRejected, text // the APIError says "the API rejected the request"
	}
	if errors.Is(err, context.Canceled) {
		return ExitInterrupted, "interrupted"
	}
	if client.IsTransport(err) || campaign.IsOutcomeUnknown(err) || errors.Is(err, context.DeadlineExceeded) {
		// 5xx, timeouts, refused connections and unknown outcomes.
		return ExitTransport, text
	}
	// Not the API's doing: the journal, the state directory...
	return ExitError, text
}

// targetText names the API a send goes to and the key it uses (its last
// 4 characters at most), for the confirmation prompts.
func targetText(c *conn) string {
	if c.engine.Target.Sandbox {
		return "the SANDBOX (nothing leaves this machine)"
	}
	return fmt.Sprintf("%s with key %s", c.engine.Target.API, c.engine.KeyHint)
}
