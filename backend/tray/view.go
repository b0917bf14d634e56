package tray

import (
	"fmt"
	"strings"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/status"
)

// view is what the tray shows for one Status: the icon, the tooltip and the titles of the menu
// items that change. It is computed from the Status alone so that it can be tested without a
// tray, and compared with the last one so that only what changed is sent to the tray host.
type view struct {
	icon        iconKey
	tooltip     string
	ollamaLine  string
	accountLine string
	relayLine   string
	signedIn    bool // the account item offers Sign out instead of Sign in
}

// headline is the first line of the tooltip: one phrase for the overall state.
func headline(overall string) string {
	switch overall {
	case status.OverallChecking:
		return "checking the connection…"
	case status.OverallDown:
		return "Ollama is not reachable"
	case status.OverallAttention:
		return "needs attention"
	case status.OverallGenerating:
		return "writing a reply"
	case status.OverallReady:
		return "ready"
	}
	return overall
}

func viewOf(s status.Status) view {
	v := view{
		icon:        keyOf(s),
		ollamaLine:  "Ollama: " + ollamaPhrase(s.Ollama),
		accountLine: "Account: " + accountPhrase(s.Account),
		relayLine:   "Remote access: " + relayPhrase(s.Relay, s.RemoteSessions),
		signedIn:    s.Account.State == status.SignedIn || s.Account.State == status.Expiring,
	}
	lines := []string{"CloudToLocalLLM — " + headline(s.Overall)}
	o := s.Ollama
	switch {
	case o.State == status.Reachable && o.Version != "":
		lines = append(lines, fmt.Sprintf("Ollama %s at %s", o.Version, o.URL))
	default:
		lines = append(lines, fmt.Sprintf("Ollama at %s: %s", o.URL, ollamaPhrase(o)))
	}
	if o.Model != "" {
		m := "Model: " + o.Model
		if o.Generating > 0 && o.TokensPerSecond > 0 {
			m += fmt.Sprintf(" · %.1f tokens/s", o.TokensPerSecond)
		}
		lines = append(lines, m)
	}
	lines = append(lines, v.accountLine, v.relayLine)
	v.tooltip = strings.Join(lines, "\n")
	return v
}

func ollamaPhrase(o status.Ollama) string {
	switch o.State {
	case status.Unreachable:
		return "not reachable"
	case status.Reachable:
		if o.Generating > 0 {
			p := "generating"
			if o.Generating > 1 {
				p = fmt.Sprintf("generating %d replies", o.Generating)
			}
			if o.TokensPerSecond > 0 {
				p += fmt.Sprintf(" · %.1f tokens/s", o.TokensPerSecond)
			}
			return p
		}
		if o.Version != "" {
			return "connected (" + o.Version + ")"
		}
		return "connected"
	default:
		return "checking…"
	}
}

func accountPhrase(a status.Account) string {
	name := a.Name
	if name == "" {
		name = a.Email
	}
	switch a.State {
	case status.SignedIn:
		if name == "" {
			return "signed in"
		}
		return "signed in as " + name
	case status.Expiring:
		return "sign-in ends soon"
	case status.AccountError:
		if a.Error != "" {
			return "sign-in failed (" + a.Error + ")"
		}
		return "sign-in failed"
	default:
		return "signed out"
	}
}

func relayPhrase(r status.Relay, sessions int) string {
	switch r.State {
	case status.RelayConnected:
		switch sessions {
		case 0:
			return "connected, no remote sessions"
		case 1:
			return "connected, 1 remote session"
		default:
			return fmt.Sprintf("connected, %d remote sessions", sessions)
		}
	case status.RelayConnecting:
		return "connecting…"
	case status.RelayReconnecting:
		return "reconnecting…"
	case status.RelayError:
		if r.Error != "" {
			return "error (" + r.Error + ")"
		}
		return "error"
	default:
		return "off"
	}
}
