package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/chat"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/settings"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// Error is what a client sees when an operation fails: a code it can act on, a message a person
// can read, and a hint saying what to do.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
	status  int
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// HTTPStatus is the status code the web transport answers with.
func (e *Error) HTTPStatus() int { return e.status }

func newError(status int, code, msg, hint string) *Error {
	return &Error{Code: code, Message: msg, Hint: hint, status: status}
}

func badRequest(msg string) *Error {
	return newError(http.StatusBadRequest, "bad_request", msg, "")
}

// toError classifies err by the sentinels the services wrap.
func toError(err error) *Error {
	var e *Error
	var se *llm.ServerError
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, store.ErrNotFound):
		return newError(http.StatusNotFound, "not_found", err.Error(), "It may have been deleted; reload the list.")
	case errors.Is(err, chat.ErrBusy):
		return newError(http.StatusConflict, "conflict", err.Error(), "Wait for the reply to finish or stop it first.")
	case errors.Is(err, chat.ErrInvalid), errors.Is(err, settings.ErrInvalid):
		return newError(http.StatusBadRequest, "bad_request", err.Error(), "")
	case errors.Is(err, llm.ErrModelNotFound):
		return newError(http.StatusNotFound, "model_not_found", err.Error(), "Pick another model, or pull this one with `ollama pull`.")
	case errors.Is(err, llm.ErrUnreachable):
		return newError(http.StatusServiceUnavailable, "ollama_unreachable", err.Error(), "Start Ollama (`ollama serve`) or set its address in Settings, then try again.")
	case errors.As(err, &se):
		return newError(http.StatusBadGateway, "ollama_error", err.Error(), "Ollama refused the request; check the model and its parameters.")
	case errors.Is(err, chat.ErrClosed):
		return newError(http.StatusServiceUnavailable, "unavailable", err.Error(), "The app is shutting down; start it again.")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return newError(http.StatusServiceUnavailable, "unavailable", err.Error(), "Try again.")
	default:
		return newError(http.StatusInternalServerError, "internal", err.Error(), "This is a bug; the app's log has details.")
	}
}
