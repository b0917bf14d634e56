// Package notify tells the person, with desktop notifications, about the connection changes that
// matter while the window may be out of sight: Ollama went away or came back, remote access was
// lost or is back, the sign-in expired. Changes are rate-limited per kind, so a flapping
// connection does not flood the desktop, yet the last word is always the truth: a change held
// back is sent when the limit allows, unless it was undone in the meantime.
package notify

import (
	"fmt"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/status"
)

// Notification is one message for the desktop.
type Notification struct {
	Kind    string // ollama, relay or account: a newer one of a kind replaces the older
	Summary string
	Body    string
	Urgent  bool
}

// kinds are the parts of the status that notify.
func kinds() []string { return []string{"ollama", "relay", "account"} }

// condition reduces a part of s to what notifications are about. "" means "in between"
// (checking, connecting): it neither causes nor cancels a notification.
func condition(kind string, s status.Status) string {
	switch kind {
	case "ollama":
		switch s.Ollama.State {
		case status.Reachable:
			return "up"
		case status.Unreachable:
			return "down"
		}
	case "relay":
		switch s.Relay.State {
		case status.RelayConnected:
			return "up"
		case status.RelayReconnecting, status.RelayError:
			return "down"
		case status.RelayOff:
			return "off"
		}
	case "account":
		switch s.Account.State {
		case status.SignedIn, status.Expiring:
			return "in"
		case status.AccountError:
			return "expired"
		case status.SignedOut:
			return "out"
		}
	}
	return ""
}

// message is what to say when kind went from one condition to another; false when that change
// is not worth interrupting the person for (they did it, or it is the first thing known).
func message(kind, from, to string, s status.Status) (Notification, bool) {
	n := Notification{Kind: kind}
	switch kind + ":" + from + ">" + to {
	case "ollama:up>down":
		n.Summary, n.Body, n.Urgent = "Ollama is not reachable", s.Ollama.Hint, true
		if n.Body == "" {
			n.Body = fmt.Sprintf("Looking for it at %s.", s.Ollama.URL)
		}
	case "ollama:down>up":
		n.Summary = "Ollama is back"
		n.Body = fmt.Sprintf("Connected to Ollama %s at %s.", s.Ollama.Version, s.Ollama.URL)
	case "relay:up>down":
		n.Summary, n.Urgent = "Remote access lost", true
		n.Body = "Browsers cannot reach this desktop until it reconnects."
		if s.Relay.Error != "" {
			n.Body = s.Relay.Error + ". " + n.Body
		}
	case "relay:down>up":
		n.Summary, n.Body = "Remote access is back", "Browsers can reach this desktop again."
	case "account:in>expired":
		n.Summary, n.Urgent = "Your sign-in expired", true
		n.Body = "Sign in again to keep remote access."
		if s.Account.Error != "" {
			n.Body = s.Account.Error + ". " + n.Body
		}
	default:
		return Notification{}, false
	}
	return n, true
}

// track is what has been said about one kind.
type track struct {
	told     string    // the condition last told, or first seen
	lastSent time.Time // when a notification of this kind was last sent
}

// rules decides what to send. It is not safe for concurrent use; the Notifier owns it.
type rules struct {
	gap    time.Duration // at most one notification per kind per gap
	tracks map[string]*track
}

func newRules(gap time.Duration) *rules {
	r := &rules{gap: gap, tracks: map[string]*track{}}
	for _, k := range kinds() {
		r.tracks[k] = &track{}
	}
	return r
}

// observe takes the status now and returns what to send now, and when to look again for a
// change that the rate limit held back (zero when nothing is held back). With enabled false,
// changes are taken as told, so turning notifications on later does not replay old news.
func (r *rules) observe(s status.Status, now time.Time, enabled bool) (send []Notification, again time.Time) {
	for _, k := range kinds() {
		tr := r.tracks[k]
		c := condition(k, s)
		if c == "" || c == tr.told {
			continue
		}
		if tr.told == "" { // the first thing known is where the person starts, not news
			tr.told = c
			continue
		}
		n, worth := message(k, tr.told, c, s)
		if !worth || !enabled {
			tr.told = c
			continue
		}
		if next := tr.lastSent.Add(r.gap); !tr.lastSent.IsZero() && now.Before(next) {
			if again.IsZero() || next.Before(again) {
				again = next
			}
			continue
		}
		send = append(send, n)
		tr.told, tr.lastSent = c, now
	}
	return send, again
}
