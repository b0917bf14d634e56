package status

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Check results.
const (
	CheckOK       = "ok"
	CheckWarn     = "warn"     // works, but something is worth doing
	CheckFail     = "fail"     // does not work; Hint says what to do
	CheckSkipped  = "skipped"  // could not run because an earlier check failed
	CheckNotSetUp = "notSetUp" // the feature is not set up, so there is nothing to check
)

// CheckResult is one step of a diagnosis.
type CheckResult struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	Result     string `json:"result"`
	Detail     string `json:"detail,omitempty"`
	Hint       string `json:"hint,omitempty"`
	DurationMs int64  `json:"durationMs"`
}

// Diagnosis is every check, in the order they ran, with the status they led to.
type Diagnosis struct {
	Checks []CheckResult `json:"checks"`
	Status Status        `json:"status"`
}

// Diagnose runs every check now, one after the other, and says for each what to do if it fails.
// It also refreshes the status, so the person sees the same answer everywhere.
func (m *Monitor) Diagnose(ctx context.Context) Diagnosis {
	var d Diagnosis
	add := func(c CheckResult, began time.Time) {
		c.DurationMs = time.Since(began).Milliseconds()
		d.Checks = append(d.Checks, c)
	}

	began := time.Now()
	st := m.Check(ctx)
	o := st.Ollama
	reach := CheckResult{ID: "ollama.reachable", Title: "Ollama answers", Result: CheckOK, Detail: "at " + o.URL}
	if o.State != Reachable {
		reach.Result, reach.Detail, reach.Hint = CheckFail, o.Error, o.Hint
	}
	add(reach, began)

	ver := CheckResult{ID: "ollama.version", Title: "Ollama version"}
	switch {
	case o.State != Reachable:
		ver.Result, ver.Detail = CheckSkipped, "Ollama did not answer"
	case o.Version == "":
		ver.Result, ver.Detail = CheckWarn, "Ollama did not say which version it is"
		ver.Hint = "Update Ollama from https://ollama.com/download."
	default:
		ver.Result, ver.Detail = CheckOK, o.Version
	}
	add(ver, began)

	began = time.Now()
	models := CheckResult{ID: "ollama.models", Title: "Models installed"}
	if o.State != Reachable {
		models.Result, models.Detail = CheckSkipped, "Ollama did not answer"
	} else {
		mctx, cancel := context.WithTimeout(ctx, m.iv.Timeout)
		ms, err := m.server.Models(mctx)
		cancel()
		switch {
		case err != nil:
			models.Result, models.Detail = CheckFail, err.Error()
			models.Hint = "Ollama answered but could not list its models. Check its log, or restart it (`ollama serve`)."
		case len(ms) == 0:
			models.Result, models.Detail = CheckFail, "Ollama has no models"
			models.Hint = "Download one in a terminal, e.g. `ollama pull llama3.2`, then try again."
		default:
			names := make([]string, 0, min(len(ms), 5))
			for _, mo := range ms[:min(len(ms), 5)] {
				names = append(names, mo.Name)
			}
			more := ""
			if len(ms) > 5 {
				more = fmt.Sprintf(" and %d more", len(ms)-5)
			}
			models.Result, models.Detail = CheckOK, fmt.Sprintf("%d: %s%s", len(ms), strings.Join(names, ", "), more)
		}
	}
	add(models, began)

	add(accountCheck(st.Account), time.Now())
	add(relayCheck(st.Relay), time.Now())
	d.Status = m.Get()
	return d
}

func accountCheck(a Account) CheckResult {
	c := CheckResult{ID: "account", Title: "Sign-in"}
	switch a.State {
	case SignedIn:
		c.Result, c.Detail = CheckOK, "signed in as "+who(a)
	case Expiring:
		c.Result, c.Detail = CheckWarn, "signed in as "+who(a)+", but the sign-in ends soon"
		c.Hint = "Sign in again to keep remote access working."
	case AccountError:
		c.Result, c.Detail, c.Hint = CheckFail, a.Error, a.Hint
		if c.Hint == "" {
			c.Hint = "Sign out and sign in again."
		}
	default:
		c.Result, c.Detail = CheckNotSetUp, "not signed in; only needed for remote access"
	}
	return c
}

// relayCheck reports remote access. The relay's own checks (DNS, TLS, sign-in at the relay)
// belong here once remote access exists; until then it is "not set up" while off.
func relayCheck(r Relay) CheckResult {
	c := CheckResult{ID: "relay", Title: "Remote access"}
	switch r.State {
	case RelayConnected:
		c.Result, c.Detail = CheckOK, "connected to "+r.URL
	case RelayConnecting, RelayReconnecting:
		c.Result, c.Detail = CheckWarn, r.State+" to "+r.URL
		c.Hint = "Wait a moment; if it stays like this, check the network."
	case RelayError:
		c.Result, c.Detail, c.Hint = CheckFail, r.Error, r.Hint
		if c.Hint == "" {
			c.Hint = "Check the network connection, then use Reconnect."
		}
	default:
		c.Result, c.Detail = CheckNotSetUp, "remote access is not set up"
	}
	return c
}

func who(a Account) string {
	switch {
	case a.Name != "" && a.Email != "":
		return a.Name + " <" + a.Email + ">"
	case a.Email != "":
		return a.Email
	case a.Name != "":
		return a.Name
	}
	return "an unnamed account"
}
