// Package status owns the one connection-state model of the app: whether the model server is
// reachable (and generating, how fast, with which model), whether the person is signed in, whether
// remote access through the relay is up, and how many remote sessions are open. A Monitor checks
// the model server in the background, backing off while it is down; the sign-in and relay code
// report their states through setters. Every change is published once, as a "status.changed"
// event carrying the whole Status, so the tray, the window and the web build all show the same.
package status

import "time"

// Ollama states. Generating is not one of them: a server that generates is reachable, and
// clients that test for "reachable" must keep working while a reply streams. Ollama.Generating
// says how many replies are streaming.
const (
	Checking    = "checking"
	Reachable   = "reachable"
	Unreachable = "unreachable"
)

// Account states, as the sign-in code reports them.
const (
	SignedOut    = "signedOut"
	SignedIn     = "signedIn"
	Expiring     = "expiring" // signed in, but the session ends soon and cannot be renewed silently
	AccountError = "error"    // the sign-in failed or expired; Error says why
)

// Relay states. Off until remote access exists and is turned on.
const (
	RelayOff          = "off"
	RelayConnecting   = "connecting"
	RelayConnected    = "connected"
	RelayReconnecting = "reconnecting"
	RelayError        = "error"
)

// Overall states: the one word that sums up a Status, for the tray icon and the status line.
const (
	OverallChecking   = "checking"   // the first check has not finished
	OverallDown       = "down"       // the model server cannot be reached: nothing works
	OverallAttention  = "attention"  // chatting works, but sign-in or remote access needs the person
	OverallGenerating = "generating" // a reply is streaming
	OverallReady      = "ready"      // everything the person turned on works
)

// Ollama is what the app knows about its model server.
type Ollama struct {
	State     string    `json:"state"`
	URL       string    `json:"url"`
	Version   string    `json:"version,omitempty"`
	Error     string    `json:"error,omitempty"`
	Hint      string    `json:"hint,omitempty"`
	CheckedAt time.Time `json:"checkedAt,omitzero"`
	// Generating is how many replies are streaming now.
	Generating int `json:"generating,omitempty"`
	// Model is the model of the reply streaming now, or of the last one.
	Model string `json:"model,omitempty"`
	// TokensPerSecond is the generation speed while replies stream (the sum over them), 0 when idle.
	TokensPerSecond float64 `json:"tokensPerSecond,omitempty"`
}

// Account is the sign-in state. The sign-in code sets it with Monitor.SetAccount.
type Account struct {
	State     string    `json:"state"`
	Name      string    `json:"name,omitempty"`
	Email     string    `json:"email,omitempty"`
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
	Error     string    `json:"error,omitempty"`
	Hint      string    `json:"hint,omitempty"`
}

// Relay is the state of remote access. The tunnel code sets it with Monitor.SetRelay.
type Relay struct {
	State string `json:"state"`
	URL   string `json:"url,omitempty"`
	Error string `json:"error,omitempty"`
	Hint  string `json:"hint,omitempty"`
}

// Status is the whole connection state. It is comparable with == (no pointers or slices), which
// is how the Monitor tells a change from a repeat.
type Status struct {
	Overall string  `json:"overall"`
	Ollama  Ollama  `json:"ollama"`
	Account Account `json:"account"`
	Relay   Relay   `json:"relay"`
	// RemoteSessions is how many browsers use this desktop through the relay now.
	RemoteSessions int `json:"remoteSessions"`
}

// overall sums s up. A model server that is down outweighs everything (nothing works without
// it); a sign-in or relay problem outweighs "generating" because it needs the person.
func overall(s Status) string {
	switch {
	case s.Ollama.State == Unreachable:
		return OverallDown
	case s.Ollama.State == Checking || s.Ollama.State == "":
		return OverallChecking
	case s.Account.State == AccountError || s.Account.State == Expiring ||
		s.Relay.State == RelayError || s.Relay.State == RelayReconnecting:
		return OverallAttention
	case s.Ollama.Generating > 0:
		return OverallGenerating
	default:
		return OverallReady
	}
}

// sameAs reports whether s and o show the same thing. The time of the last check is left out:
// a check that finds nothing new is not a change.
func (s Status) sameAs(o Status) bool {
	s.Ollama.CheckedAt, o.Ollama.CheckedAt = time.Time{}, time.Time{}
	return s == o
}
