package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/ollama/ollama/api"
)

// classify turns what Ollama's client returned into ErrUnreachable, ErrModelNotFound or a
// *ServerError, each naming the URL and what was being done. model is empty outside chat: only
// a chat's 404 means the model is missing.
func classify(what, base, model string, status int, err error) error {
	var se api.StatusError
	if errors.As(err, &se) {
		msg := se.ErrorMessage
		if msg == "" {
			msg = se.Status
		}
		return serverError(what, base, model, se.StatusCode, msg)
	}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case isConnectionError(err):
		return fmt.Errorf("%s: %w: no answer from Ollama at %s (%v); check that Ollama is running there (`ollama serve`) or change the Ollama URL",
			what, ErrUnreachable, base, err)
	case errors.As(err, &syntaxErr), errors.As(err, &typeErr):
		return fmt.Errorf("%s: the server at %s does not answer like Ollama; check the Ollama URL: %w",
			what, base, &ServerError{Status: status, Message: err.Error()})
	}
	// Ollama's client reports an error Ollama sent as just its message; the status comes from
	// statusTransport (200 when the error arrived mid-reply).
	return serverError(what, base, model, status, err.Error())
}

func serverError(what, base, model string, status int, msg string) error {
	if status == http.StatusNotFound && model != "" {
		return fmt.Errorf("%s: %w: Ollama at %s has no model %q; download it with `ollama pull %s` or choose another model",
			what, ErrModelNotFound, base, model, model)
	}
	return fmt.Errorf("%s at %s: %w", what, base, &ServerError{Status: status, Message: msg})
}

// isConnectionError reports failures of the connection itself: refused, reset, timed out, or
// closed mid-answer (Ollama killed or restarted while it streamed).
func isConnectionError(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false // the caller's own deadline, not the server's fault
	}
	var netErr net.Error // includes *url.Error, which http.Client.Do returns for any transport failure
	return errors.As(err, &netErr) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE)
}

// exchange records what Ollama's client does not pass on: the HTTP status of the answer (it
// turns an error answer into errors.New(message), yet the status is what tells "no such model",
// 404, from other failures without matching on message text) and whether reading the body
// failed (it ignores read errors on a stream, so a cut connection looks like a clean end).
type exchange struct {
	status  atomic.Int64
	mu      sync.Mutex
	readErr error
}

type exchangeKey struct{}

func (x *exchange) in(ctx context.Context) context.Context {
	return context.WithValue(ctx, exchangeKey{}, x)
}

func (x *exchange) statusCode() int { return int(x.status.Load()) }

// bodyErr is the first error reading the answer's body hit, other than its end.
func (x *exchange) bodyErr() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.readErr
}

// statusTransport fills in the request's exchange, if it has one.
type statusTransport struct{ next http.RoundTripper }

func (t statusTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if x, ok := r.Context().Value(exchangeKey{}).(*exchange); ok && resp != nil {
		x.status.Store(int64(resp.StatusCode))
		resp.Body = &recordingBody{ReadCloser: resp.Body, x: x}
	}
	return resp, err
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the wrapped transport.
func (t statusTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

type recordingBody struct {
	io.ReadCloser
	x *exchange
}

func (b *recordingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		b.x.mu.Lock()
		if b.x.readErr == nil {
			b.x.readErr = err
		}
		b.x.mu.Unlock()
	}
	return n, err
}
