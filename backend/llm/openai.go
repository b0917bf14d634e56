package llm

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// OpenAI is a Provider over the OpenAI-compatible chat API that LM Studio, llama.cpp's server,
// vLLM, Jan and Ollama (under /v1) serve, through the official openai-go client. Such servers
// only list and run models; managing them (pull, delete) is done in their own tools.
//
// The context window (Options.NumCtx) is not part of that API: these servers set it when they
// load a model, so it is not sent.
type OpenAI struct {
	base  string
	chat  openai.ChatCompletionService
	model openai.ModelService
}

var _ Provider = (*OpenAI)(nil)

// NewOpenAI returns a provider for the server at baseURL (see ParseOpenAIURL). apiKey may be
// empty for servers that need none. httpClient may be nil; one given must not have a Timeout.
func NewOpenAI(baseURL, apiKey string, httpClient *http.Client) (*OpenAI, error) {
	u, err := ParseOpenAIURL(baseURL)
	if err != nil {
		return nil, err
	}
	if httpClient == nil {
		httpClient = defaultHTTPClient()
	}
	opts := []option.RequestOption{
		option.WithBaseURL(u.String() + "/"),
		option.WithHTTPClient(httpClient),
		// A retry would make a server that is down or refuses the key look slow instead of
		// failing: the person sees the error at once and decides.
		option.WithMaxRetries(0),
	}
	if apiKey != "" {
		opts = append(opts, option.WithAPIKey(apiKey))
	}
	// The services are built directly, not through openai.NewClient, which would also read
	// OPENAI_API_KEY and OPENAI_BASE_URL from the environment: a key meant for OpenAI must
	// never be sent to some other server on the network.
	return &OpenAI{
		base:  u.String(),
		chat:  openai.NewChatCompletionService(opts...),
		model: openai.NewModelService(opts...),
	}, nil
}

// ParseOpenAIURL reads the base URL of an OpenAI-compatible server: scheme, host, port and the
// API's path. A URL without a path gets /v1, where every server named above serves the API.
func ParseOpenAIURL(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, fmt.Errorf("the server URL is empty; write it like http://127.0.0.1:1234/v1")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("the server URL %q is not an http:// or https:// address; write it like http://127.0.0.1:1234/v1", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("the server URL %q: credentials, queries and fragments are not supported; give the API key separately", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	if u.Path == "" {
		u.Path = "/v1"
	}
	return u, nil
}

// BaseURL is the API's base URL, e.g. http://127.0.0.1:1234/v1.
func (o *OpenAI) BaseURL() string { return o.base }

// Chat streams a reply from /chat/completions.
func (o *OpenAI) Chat(ctx context.Context, req ChatRequest, onDelta func(delta string) error) (Stats, error) {
	what := fmt.Sprintf("chat with model %q", req.Model)
	params := openai.ChatCompletionNewParams{
		Model:         req.Model,
		Messages:      openAIMessages(req.Messages),
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	}
	if req.Options.Temperature != nil {
		params.Temperature = openai.Float(*req.Options.Temperature)
	}
	began := time.Now()
	stream := o.chat.NewStreaming(ctx, params)
	defer stream.Close()
	var (
		stats  Stats
		chunks int
		first  time.Time
	)
	for stream.Next() {
		c := stream.Current()
		chunks++
		if c.Usage.TotalTokens > 0 {
			stats.PromptTokens, stats.EvalTokens = int(c.Usage.PromptTokens), int(c.Usage.CompletionTokens)
		}
		for _, choice := range c.Choices {
			if choice.Index != 0 {
				continue
			}
			if d := choice.Delta.Content; d != "" {
				if first.IsZero() {
					first = time.Now()
				}
				if onDelta != nil {
					if err := onDelta(d); err != nil {
						return stats, err
					}
				}
			}
			if choice.FinishReason != "" {
				stats.DoneReason = choice.FinishReason
			}
		}
	}
	if err := stream.Err(); err != nil {
		if ctx.Err() != nil {
			return stats, ctx.Err()
		}
		return stats, o.classify(what, req.Model, err)
	}
	if ctx.Err() != nil {
		return stats, ctx.Err()
	}
	if chunks == 0 {
		return stats, fmt.Errorf("%s: the server at %s does not answer like an OpenAI-compatible server (no reply chunks); check the URL: %w",
			what, o.base, &ServerError{Status: http.StatusOK, Message: "empty or unreadable stream"})
	}
	stats.TotalDuration = time.Since(began)
	if !first.IsZero() {
		stats.EvalDuration = time.Since(first)
	}
	if stats.DoneReason == "" {
		stats.DoneReason = DoneReasonCutOff
	}
	return stats, nil
}

func openAIMessages(msgs []Message) []openai.ChatCompletionMessageParamUnion {
	out := make([]openai.ChatCompletionMessageParamUnion, 0, len(msgs))
	for _, m := range msgs {
		switch {
		case m.Role == "system":
			out = append(out, openai.SystemMessage(m.Content))
		case m.Role == "assistant":
			out = append(out, openai.AssistantMessage(m.Content))
		case len(m.Images) > 0:
			parts := []openai.ChatCompletionContentPartUnionParam{openai.TextContentPart(m.Content)}
			for _, img := range m.Images {
				parts = append(parts, openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{
					URL: "data:" + img.MediaType + ";base64," + base64.StdEncoding.EncodeToString(img.Data),
				}))
			}
			out = append(out, openai.UserMessage(parts))
		default:
			out = append(out, openai.UserMessage(m.Content))
		}
	}
	return out
}

// Models lists /models. These servers say only each model's name and when it was made.
func (o *OpenAI) Models(ctx context.Context) ([]Model, error) {
	page, err := o.model.List(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("list the models of the server at %s: %w", o.base, ctx.Err())
		}
		return nil, o.classify("list models", "", err)
	}
	models := make([]Model, 0, len(page.Data))
	for _, m := range page.Data {
		mod := Model{Name: m.ID}
		if m.Created > 0 {
			mod.ModifiedAt = time.Unix(m.Created, 0).UTC()
		}
		models = append(models, mod)
	}
	return models, nil
}

// Version checks that the server answers in OpenAI's format; the API has no version call, so
// a successful model list is the proof.
func (o *OpenAI) Version(ctx context.Context) (string, error) {
	if _, err := o.Models(ctx); err != nil {
		return "", err
	}
	return "OpenAI-compatible", nil
}

// classify turns what openai-go returned into ErrUnauthorized, ErrModelNotFound, ErrUnreachable
// or a *ServerError, each naming the server.
func (o *OpenAI) classify(what, model string, err error) error {
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		msg := apiErr.Message
		if msg == "" {
			msg = http.StatusText(apiErr.StatusCode)
		}
		switch {
		case apiErr.StatusCode == http.StatusUnauthorized || apiErr.StatusCode == http.StatusForbidden:
			return fmt.Errorf("%s: %w: the server at %s answered HTTP %d (%s); check the API key in the server's settings",
				what, ErrUnauthorized, o.base, apiErr.StatusCode, msg)
		// A 404 with an error in OpenAI's format is about the model; a bare 404 (a web
		// server's "page not found") means there is no API at this path.
		case apiErr.StatusCode == http.StatusNotFound && model != "" && apiErr.Message != "":
			return fmt.Errorf("%s: %w: the server at %s has no model %q (%s); load it in the server or choose another model",
				what, ErrModelNotFound, o.base, model, msg)
		case apiErr.StatusCode == http.StatusNotFound:
			return fmt.Errorf("%s: the server at %s has no OpenAI API there; check the URL (it usually ends in /v1): %w",
				what, o.base, &ServerError{Status: apiErr.StatusCode, Message: msg})
		}
		return fmt.Errorf("%s at %s: %w", what, o.base, &ServerError{Status: apiErr.StatusCode, Message: msg})
	}
	if isConnectionError(err) {
		return fmt.Errorf("%s: %w: no answer from the server at %s (%v); check that it is running and the URL is right",
			what, ErrUnreachable, o.base, err)
	}
	// Anything else is an answer the client could not read: HTML from a web server, a JSON shape
	// that is not OpenAI's.
	return fmt.Errorf("%s: the server at %s does not answer like an OpenAI-compatible server; check the URL: %w",
		what, o.base, &ServerError{Status: http.StatusBadGateway, Message: err.Error()})
}
