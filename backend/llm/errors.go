package llm

import "fmt"

// ServerError is a failure the model server reported itself (as opposed to not answering at
// all, ErrUnreachable, or lacking the model, ErrModelNotFound): a bad parameter, a model that
// failed to load, a runner that crashed mid-reply. Message is the server's own words.
type ServerError struct {
	// Status is the HTTP status of the answer. It is 200 when the server reported the error
	// inside a reply that had already started streaming.
	Status  int
	Message string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("the model server answered with an error (HTTP %d): %s", e.Status, e.Message)
}
