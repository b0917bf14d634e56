// Package llm talks to model servers. A Provider streams chat replies and lists models; the
// Ollama provider speaks Ollama's native API through its official Go client, the OpenAI provider
// speaks the OpenAI-compatible API (LM Studio, llama.cpp's server, vLLM, Jan, and Ollama's own
// /v1) through the official openai-go client. Ollama also manages its models (ModelManager). All
// calls to a model server are made from Go, never from the page.
package llm

import (
	"context"
	"errors"
	"time"
)

// Message is one turn of a conversation as the model sees it.
type Message struct {
	Role    string `json:"role"` // system, user or assistant
	Content string `json:"content"`
	// Images go with the message to a vision model (Ollama's "images", OpenAI's image_url parts).
	Images []Image `json:"images,omitempty"`
}

// Image is one picture attached to a message: its bytes and their media type (image/png, ...).
// Ollama takes the bytes alone; OpenAI-compatible servers need the type for the data URL.
type Image struct {
	MediaType string `json:"mediaType"`
	Data      []byte `json:"data"`
}

// Options are the per-conversation model parameters the person can set. Nil means the model's
// own default.
type Options struct {
	Temperature *float64 `json:"temperature,omitempty"`
	NumCtx      *int     `json:"numCtx,omitempty"`
}

// ChatRequest asks a model for the next assistant message.
type ChatRequest struct {
	// Endpoint names the server to ask when several are configured (see backend/endpoints);
	// empty is the default one. A single provider ignores it.
	Endpoint string
	Model    string
	Messages []Message
	Options  Options
}

// Stats describe a finished reply.
//
// DoneReason is the server's: "stop" (the model ended its turn), "length" (it hit num_predict)
// and so on, or DoneReasonCutOff.
type Stats struct {
	DoneReason    string        `json:"doneReason,omitempty"`
	PromptTokens  int           `json:"promptTokens,omitempty"`
	EvalTokens    int           `json:"evalTokens,omitempty"`
	EvalDuration  time.Duration `json:"evalDuration,omitempty"`
	TotalDuration time.Duration `json:"totalDuration,omitempty"`
}

// DoneReasonCutOff marks a reply the server ended without its final report (Ollama 0.6.5 does
// so when a model repeats one token 31 times). The text received is the whole reply; the other
// Stats are unknown.
const DoneReasonCutOff = "cut_off"

// Model is one model the server offers.
type Model struct {
	Name          string    `json:"name"`
	Size          int64     `json:"size"`
	ModifiedAt    time.Time `json:"modifiedAt"`
	Family        string    `json:"family,omitempty"`
	ParameterSize string    `json:"parameterSize,omitempty"`
	Quantization  string    `json:"quantization,omitempty"`
}

// Provider is a model server.
type Provider interface {
	// Chat streams the reply: onDelta is called with each piece of text, in order. Chat returns
	// when the reply is complete, ctx is cancelled (the server is told to stop), or it fails.
	// An error from onDelta stops the stream and is returned.
	Chat(ctx context.Context, req ChatRequest, onDelta func(delta string) error) (Stats, error)
	// Models lists the models the server has.
	Models(ctx context.Context) ([]Model, error)
	// Version returns the server's version; it doubles as the reachability check.
	Version(ctx context.Context) (string, error)
}

// Errors a caller can tell apart with errors.Is. Provider implementations wrap them with details.
var (
	// ErrUnreachable: the server could not be reached or dropped the connection.
	ErrUnreachable = errors.New("model server unreachable")
	// ErrModelNotFound: the server does not have the requested model.
	ErrModelNotFound = errors.New("model not found")
	// ErrUnauthorized: the server refused the API key (missing, wrong or revoked).
	ErrUnauthorized = errors.New("the server refused the API key")
)
