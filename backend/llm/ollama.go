package llm

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/ollama/ollama/api"
)

// Ollama is a Provider over Ollama's native API, through Ollama's own Go client. It is safe for
// concurrent use; SetBaseURL may be called while requests run (they finish against the old URL).
type Ollama struct {
	http *http.Client

	mu     sync.RWMutex
	base   *url.URL
	client *api.Client
}

var _ Provider = (*Ollama)(nil)

// NewOllama returns a provider for the Ollama at baseURL (read as ParseOllamaURL does; empty
// means DefaultOllamaURL). httpClient may be nil; one given must not have a Timeout, which would
// cut long replies short — bound calls with their context instead.
func NewOllama(baseURL string, httpClient *http.Client) (*Ollama, error) {
	if httpClient == nil {
		httpClient = defaultHTTPClient()
	}
	hc := *httpClient
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc.Transport = statusTransport{next: next}
	o := &Ollama{http: &hc}
	if err := o.SetBaseURL(baseURL); err != nil {
		return nil, err
	}
	return o, nil
}

// defaultHTTPClient is http.DefaultTransport with a short dial timeout: a mistyped or
// firewalled address should say "unreachable" in seconds, not after the default 30 s.
func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	return &http.Client{Transport: t}
}

// SetBaseURL points the provider at another Ollama (see ParseOllamaURL; empty means the default).
// On bad input it returns an error saying what to write and keeps the current URL.
func (o *Ollama) SetBaseURL(raw string) error {
	u, err := ParseOllamaURL(raw)
	if err != nil {
		return err
	}
	client := api.NewClient(u, o.http)
	o.mu.Lock()
	o.base, o.client = u, client
	o.mu.Unlock()
	return nil
}

// BaseURL returns the URL requests go to, e.g. http://127.0.0.1:11434.
func (o *Ollama) BaseURL() string {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.base.String()
}

func (o *Ollama) current() (*api.Client, string) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.client, o.base.String()
}

// Chat streams a reply. Cancelling ctx closes the connection, which makes Ollama stop
// generating; Chat then returns ctx.Err(). Whatever onDelta received before an error stays valid
// as a partial reply.
func (o *Ollama) Chat(ctx context.Context, req ChatRequest, onDelta func(delta string) error) (Stats, error) {
	client, base := o.current()
	what := fmt.Sprintf("chat with model %q", req.Model)
	msgs := make([]api.Message, len(req.Messages))
	for i, m := range req.Messages {
		msgs[i] = api.Message{Role: m.Role, Content: m.Content}
		for _, img := range m.Images {
			msgs[i].Images = append(msgs[i].Images, api.ImageData(img.Data))
		}
	}
	stream := true
	var (
		x        exchange
		stats    Stats
		done     bool
		deltaErr error
	)
	err := client.Chat(x.in(ctx), &api.ChatRequest{
		Model:    req.Model,
		Messages: msgs,
		Stream:   &stream,
		Options:  ollamaOptions(req.Options),
	}, func(r api.ChatResponse) error {
		if r.Message.Content != "" && onDelta != nil {
			if err := onDelta(r.Message.Content); err != nil {
				deltaErr = err
				return err
			}
		}
		if r.Done {
			done = true
			stats = Stats{
				DoneReason:    r.DoneReason,
				PromptTokens:  r.PromptEvalCount,
				EvalTokens:    r.EvalCount,
				EvalDuration:  r.EvalDuration,
				TotalDuration: r.TotalDuration,
			}
		}
		return nil
	})
	switch {
	case err == nil && done:
		return stats, nil
	case deltaErr != nil:
		return stats, deltaErr
	case ctx.Err() != nil:
		return stats, ctx.Err()
	case err == nil && x.statusCode() >= http.StatusBadRequest:
		return stats, serverError(what, base, req.Model, x.statusCode(), http.StatusText(x.statusCode()))
	case err == nil && x.bodyErr() != nil:
		// Ollama's client ignores read errors on a stream: the connection broke mid-reply.
		return stats, fmt.Errorf("%s: %w: lost the connection to Ollama at %s mid-reply (%v); check that Ollama is still running (`ollama serve`)",
			what, ErrUnreachable, base, x.bodyErr())
	case err == nil:
		// A clean end without the final chunk: Ollama 0.6.5 ends a reply this way when the
		// model repeats one token 31 times. The reply is what Ollama chose to give.
		return Stats{DoneReason: DoneReasonCutOff}, nil
	}
	return stats, classify(what, base, req.Model, x.statusCode(), err)
}

func ollamaOptions(o Options) map[string]any {
	m := map[string]any{}
	if o.Temperature != nil {
		m["temperature"] = *o.Temperature
	}
	if o.NumCtx != nil {
		m["num_ctx"] = *o.NumCtx
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// Models lists the models Ollama has, with the details /api/tags gives.
func (o *Ollama) Models(ctx context.Context) ([]Model, error) {
	client, base := o.current()
	var x exchange
	list, err := client.List(x.in(ctx))
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("list the models of Ollama at %s: %w", base, ctx.Err())
		}
		return nil, classify("list models", base, "", x.statusCode(), err)
	}
	models := make([]Model, 0, len(list.Models))
	for _, m := range list.Models {
		models = append(models, Model{
			Name:          m.Name,
			Size:          m.Size,
			ModifiedAt:    m.ModifiedAt,
			Family:        m.Details.Family,
			ParameterSize: m.Details.ParameterSize,
			Quantization:  m.Details.QuantizationLevel,
		})
	}
	return models, nil
}

// Version returns Ollama's version. Any answer in Ollama's format means it is reachable.
func (o *Ollama) Version(ctx context.Context) (string, error) {
	client, base := o.current()
	var x exchange
	v, err := client.Version(x.in(ctx))
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("ask Ollama at %s for its version: %w", base, ctx.Err())
		}
		return "", classify("ask for the version", base, "", x.statusCode(), err)
	}
	return v, nil
}
