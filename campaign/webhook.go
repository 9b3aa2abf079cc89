package campaign

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// What WhatsSpot's webhooks say, read once here (SPEC 9; API.md,
// Webhooks). The receiver (HTTP) and the store only move these values.

// MaxWebhookBody is the largest event body a receiver reads (1 MiB).
const MaxWebhookBody = 1 << 20

// VerifyWebhookSignature reports whether header (the X-Hub-Signature or
// X-Webhook-Signature value: bare hex or "sha256=" and hex) is the
// HMAC-SHA256 of body under secret: over the raw body, or else over the
// body compacted (WhatsSpot's own example signs JSON.stringify of the
// parsed body). Comparisons are constant-time.
func VerifyWebhookSignature(secret, body []byte, header string) bool {
	h := strings.TrimSpace(header)
	if len(h) > 7 && strings.EqualFold(h[:7], "sha256=") {
		h = h[7:]
	}
	want, err := hex.DecodeString(h)
	if err != nil || len(want) != sha256.Size || len(secret) == 0 {
		return false
	}
	if hmac.Equal(webhookMAC(secret, body), want) {
		return true
	}
	var compact bytes.Buffer
	if json.Compact(&compact, body) != nil || bytes.Equal(compact.Bytes(), body) {
		return false
	}
	return hmac.Equal(webhookMAC(secret, compact.Bytes()), want)
}

// SignWebhook is the signature of body under secret as WhatsSpot sends
// it in X-Hub-Signature: HMAC-SHA256, in hex.
func SignWebhook(secret, body []byte) string {
	return hex.EncodeToString(webhookMAC(secret, body))
}

func webhookMAC(secret, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return m.Sum(nil)
}

// DeliveryStatus is how far a message got. It only rises: an event that
// says less than what is known already changes nothing.
type DeliveryStatus int

const (
	DeliveryAccepted  DeliveryStatus = iota // the API took it; nothing heard since
	DeliverySent                            // on WhatsApp's server
	DeliveryDelivered                       // on the recipient's device
	DeliveryRead
	DeliveryPlayed // a voice or video message played
)

func (s DeliveryStatus) String() string {
	switch s {
	case DeliverySent:
		return "sent"
	case DeliveryDelivered:
		return "delivered"
	case DeliveryRead:
		return "read"
	case DeliveryPlayed:
		return "played"
	}
	return "accepted"
}

// WebhookKind names an event.
type WebhookKind string

const (
	WebhookAck          WebhookKind = "message.ack"
	WebhookReceived     WebhookKind = "message.received"
	WebhookDisconnected WebhookKind = "device.disconnected"
)

// WebhookEvent is one event as spotcast reads it. Text fields are
// sanitised: they are shown in terminals.
type WebhookEvent struct {
	Kind WebhookKind
	// MessageID is data.id as sent (the key duplicates share).
	MessageID string
	// Chat is the message's chat: Number holds its digits when the chat
	// is a phone number (…@c.us), else "" (…@lid, groups): such events
	// are never attributed by guesswork.
	Chat   string
	Number string
	// FromMe: an outgoing message (an ack of what spotcast sent).
	FromMe bool
	// ack: Status, or Failed for an error ack; Known is false when the
	// event named no status spotcast knows.
	Status DeliveryStatus
	Failed bool
	Known  bool
	// received: who wrote (digits) and what.
	From string
	Text string
	// At is the event's own time (data.timestamp) when it has one.
	At time.Time
}

// ErrNotWebhook: the body is JSON but not an event spotcast can read.
var ErrNotWebhook = errors.New("not a WhatsSpot webhook event")

// ParseWebhook reads an event body. Unknown event names parse (Kind as
// given) so they can be stored and counted; malformed JSON is an error.
func ParseWebhook(body []byte) (WebhookEvent, error) {
	var raw struct {
		Event string `json:"event"`
		Data  struct {
			ID        string          `json:"id"`
			Status    string          `json:"status"`
			Ack       json.RawMessage `json:"ack"`
			From      string          `json:"from"`
			Body      string          `json:"body"`
			Timestamp json.RawMessage `json:"timestamp"`
			FromMe    *bool           `json:"fromMe"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return WebhookEvent{}, fmt.Errorf("the body is not JSON: %w", err)
	}
	if raw.Event == "" {
		return WebhookEvent{}, fmt.Errorf("%w: no \"event\" field", ErrNotWebhook)
	}
	e := WebhookEvent{Kind: WebhookKind(SanitizeLine(raw.Event, 60)), MessageID: SanitizeLine(raw.Data.ID, 200)}
	fromMe, chat, number := ParseMessageID(raw.Data.ID)
	e.FromMe, e.Chat, e.Number = fromMe, SanitizeLine(chat, 120), number
	if raw.Data.FromMe != nil {
		e.FromMe = *raw.Data.FromMe
	}
	e.At = unixTime(raw.Data.Timestamp)
	switch e.Kind {
	case WebhookAck:
		e.Status, e.Failed, e.Known = AckStatus(raw.Data.Status, raw.Data.Ack)
	case WebhookReceived:
		e.From = digitsOnly(raw.Data.From)
		if e.From == "" && !e.FromMe {
			e.From = number
		}
		e.Text = Sanitize(raw.Data.Body)
	}
	return e, nil
}

// AckStatus reads an ack: the status string first, else the ack number as
// whatsapp-web.js numbers it (-1 error, 0 pending, 1 server, 2 device,
// 3 read, 4 played). known is false when neither says anything usable.
func AckStatus(status string, ack json.RawMessage) (s DeliveryStatus, failed, known bool) {
	switch strings.ToUpper(strings.TrimSpace(status)) {
	case "SENT", "SERVER":
		return DeliverySent, false, true
	case "DELIVERED", "DEVICE":
		return DeliveryDelivered, false, true
	case "READ", "SEEN":
		return DeliveryRead, false, true
	case "PLAYED":
		return DeliveryPlayed, false, true
	case "FAILED", "ERROR":
		return 0, true, true
	}
	var n json.Number
	d := json.NewDecoder(bytes.NewReader(ack))
	d.UseNumber()
	if len(ack) == 0 || d.Decode(&n) != nil {
		return 0, false, false
	}
	i, err := strconv.Atoi(n.String())
	if err != nil {
		return 0, false, false
	}
	switch {
	case i < 0:
		return 0, true, true
	case i >= 1 && i <= 4:
		return DeliveryStatus(i), false, true
	}
	return 0, false, false
}

// ParseMessageID reads a whatsapp-web.js serialised id,
// "true_919876543210@c.us_3EB0…": whether the message is outgoing, its
// chat ("919876543210@c.us") and, when the chat is a phone number, its
// digits. Anything else gives "", "", "" (not guessed at).
func ParseMessageID(id string) (fromMe bool, chat, number string) {
	dir, rest, ok := strings.Cut(id, "_")
	if !ok || (dir != "true" && dir != "false") {
		return false, "", ""
	}
	chat, _, _ = strings.Cut(rest, "_")
	user, server, ok := strings.Cut(chat, "@")
	if !ok || user == "" {
		return dir == "true", "", ""
	}
	if server == "c.us" || server == "s.whatsapp.net" {
		if d := digitsOnly(user); d == user && len(d) >= 6 && len(d) <= 15 {
			number = d
		}
	}
	return dir == "true", chat, number
}

func digitsOnly(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "+")
	if i := strings.IndexByte(s, '@'); i >= 0 {
		s = s[:i]
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return ""
		}
	}
	return s
}

// unixTime reads a Unix time in seconds (a number or a numeric string).
func unixTime(raw json.RawMessage) time.Time {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if s == "" || s == "null" {
		return time.Time{}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > 1<<40 {
		return time.Time{}
	}
	if n > 1e12 { // milliseconds
		return time.UnixMilli(n).UTC()
	}
	return time.Unix(n, 0).UTC()
}

// OptOutKeywords and OptInKeywords are the one-word replies that put a
// number on the suppression list and take it off (SPEC 9).
var (
	OptOutKeywords = []string{"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
	OptInKeywords  = []string{"START", "UNSTOP", "YES"}
)

// OptReply reads a reply: an opt-out (one of OptOutKeywords or extra), an
// opt-in, or neither. The whole reply must be the word, trimmed of space
// and punctuation around it, in any case: "Stop." counts; "don't stop"
// does not.
func OptReply(text string, extra []string) (optOut, optIn bool) {
	w := strings.TrimFunc(text, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) })
	if w == "" || strings.IndexFunc(w, unicode.IsSpace) >= 0 {
		return false, false
	}
	for _, k := range append(append([]string(nil), OptOutKeywords...), extra...) {
		if strings.EqualFold(w, strings.TrimSpace(k)) {
			return true, false
		}
	}
	for _, k := range OptInKeywords {
		if strings.EqualFold(w, k) {
			return false, true
		}
	}
	return false, false
}
