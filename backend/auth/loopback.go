package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// callbackPath is the redirect URI's path; the client must be registered with
// http://127.0.0.1/callback (providers ignore the port of a loopback redirect, RFC 8252 7.3).
const callbackPath = "/callback"

// callback is one redirect that reached the listener. The handler waits on reply for the outcome
// of the sign-in, to show it in the browser.
type callback struct {
	code  string
	err   error
	reply chan outcome
}

// outcome is how the sign-in ended.
type outcome struct {
	profile Profile
	err     error
}

// loopback is the one-shot redirect listener on 127.0.0.1 at a random port.
type loopback struct {
	RedirectURI string
	state       string
	host        string
	srv         *http.Server
	callbacks   chan callback
	closed      chan struct{}

	mu   sync.Mutex
	done bool
}

// listenLoopback starts the listener; state is what the redirect must carry back.
func listenLoopback(state string) (*loopback, error) {
	// 127.0.0.1 rather than "localhost": the name could resolve elsewhere (RFC 8252 8.3).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("open the redirect listener on 127.0.0.1: %w", err)
	}
	l := &loopback{state: state, host: ln.Addr().String(), callbacks: make(chan callback), closed: make(chan struct{})}
	l.RedirectURI = "http://" + l.host + callbackPath
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+callbackPath, l.handle)
	l.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go l.srv.Serve(ln)
	return l, nil
}

// close stops listening, letting a page being written finish first.
func (l *loopback) close() {
	close(l.closed)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	l.srv.Shutdown(ctx)
}

func (l *loopback) handle(w http.ResponseWriter, r *http.Request) {
	// A page elsewhere cannot reach this listener through a name that resolves to 127.0.0.1
	// (DNS rebinding): the browser would send that name.
	if r.Host != l.host {
		writePage(w, http.StatusBadRequest, page{Title: "Wrong address", Message: "This page is only for signing in to CloudToLocalLLM."})
		return
	}
	l.mu.Lock()
	first := !l.done
	l.done = true
	l.mu.Unlock()
	if !first {
		writePage(w, http.StatusConflict, page{Title: "Sign-in already finished",
			Message: "This sign-in has already been completed or abandoned.", Hint: "Go back to CloudToLocalLLM; start a new sign-in there if you need one."})
		return
	}
	cb := callback{reply: make(chan outcome, 1)}
	q := r.URL.Query()
	switch {
	// The state is checked before anything else: a redirect that does not carry it was not
	// started by this sign-in (cross-site request forgery, or a stale tab).
	case subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(l.state)) != 1:
		cb.err = rejected("the response does not belong to this sign-in (its state differs)", nil)
	case q.Get("error") == "access_denied":
		cb.err = cancelled("the sign-in was declined at the provider")
	case q.Get("error") != "":
		cb.err = &Problem{Code: CodeProviderError, Message: "the provider refused the sign-in: " + providerText(q.Get("error"), q.Get("error_description")),
			Hint: "Check that the client ID is right and that the client allows the redirect URI http://127.0.0.1/callback."}
	case q.Get("code") == "":
		cb.err = rejected("the provider sent no authorization code", nil)
	default:
		cb.code = q.Get("code")
	}
	var out outcome
	select {
	case l.callbacks <- cb:
		select {
		case out = <-cb.reply:
		case <-r.Context().Done():
			return
		}
	case <-l.closed:
		// The sign-in ended (cancelled or timed out) just as the browser came back.
		out.err = cancelled("this sign-in was cancelled in the app")
	case <-r.Context().Done():
		return
	}
	if out.err != nil {
		status := http.StatusBadRequest
		if errors.Is(out.err, ErrCancelled) {
			status = http.StatusOK
		}
		writePage(w, status, failurePage(out.err))
		return
	}
	writePage(w, http.StatusOK, successPage(out.profile))
}

// providerText shortens what a provider said in an error redirect: it is shown to the person
// and must not be able to fill the page.
func providerText(code, desc string) string {
	s := code
	if desc != "" {
		s += " (" + desc + ")"
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
