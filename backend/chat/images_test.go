package chat

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// A real 1×1 PNG: http.DetectContentType must recognise it.
var onePixelPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

func TestCheckImages(t *testing.T) {
	png := store.Image{MediaType: "image/png", Data: onePixelPNG}
	for _, tc := range []struct {
		name   string
		images []store.Image
		says   string // "" when accepted
	}{
		{"none", nil, ""},
		{"one png", []store.Image{png}, ""},
		{"four", []store.Image{png, png, png, png}, ""},
		{"five", []store.Image{png, png, png, png, png}, "at most 4"},
		{"empty", []store.Image{{MediaType: "image/png"}}, "empty"},
		{"too big", []store.Image{{MediaType: "image/png", Data: append(bytes.Clone(onePixelPNG), make([]byte, MaxImageBytes)...)}}, "limit"},
		{"not a picture type", []store.Image{{MediaType: "application/pdf", Data: []byte("%PDF-1.4")}}, "PNG, JPEG, GIF or WebP"},
		{"declared png, is text", []store.Image{{MediaType: "image/png", Data: []byte("hello there")}}, "its content is text/plain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkImages(tc.images)
			switch {
			case tc.says == "" && err != nil:
				t.Fatalf("checkImages = %v, want accepted", err)
			case tc.says != "" && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.says)):
				t.Fatalf("checkImages = %v, want ErrInvalid saying %q", err, tc.says)
			}
		})
	}
}

// TestSendImagesAndEndpoint: pictures are stored with the message and reach the model with it,
// a message may be a picture alone, and the server given becomes the conversation's and goes with
// every request, including the next one that does not name it.
func TestSendImagesAndEndpoint(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c, err := h.svc.Send(ctx, SendParams{Model: "m", EndpointID: "lan", Images: []store.Image{{MediaType: "image/png", Data: onePixelPNG}}})
	if err != nil {
		t.Fatal(err)
	}
	call := h.llm.next(t)
	if call.req.Endpoint != "lan" {
		t.Errorf("request went to endpoint %q, want lan", call.req.Endpoint)
	}
	last := call.req.Messages[len(call.req.Messages)-1]
	if len(last.Images) != 1 || last.Images[0].MediaType != "image/png" || !bytes.Equal(last.Images[0].Data, onePixelPNG) {
		t.Errorf("the model got images %+v", last.Images)
	}
	call.finish(t, "a dot")
	h.finished(t, c.Messages[1].ID)
	if got := h.stored(t, c.Messages[0].ID); len(got.Images) != 1 || !bytes.Equal(got.Images[0].Data, onePixelPNG) {
		t.Errorf("stored message images %+v", got.Images)
	}
	if c.EndpointID != "lan" {
		t.Errorf("conversation endpoint %q, want lan", c.EndpointID)
	}

	if _, err := h.svc.Send(ctx, SendParams{ConversationID: c.ID, Content: "and now?"}); err != nil {
		t.Fatal(err)
	}
	call = h.llm.next(t)
	if call.req.Endpoint != "lan" || len(call.req.Messages) != 3 || len(call.req.Messages[0].Images) != 1 {
		t.Errorf("the next request: endpoint %q, messages %+v; want lan with the picture still in the history", call.req.Endpoint, call.req.Messages)
	}
	call.end(t, llm.Stats{DoneReason: "stop"}, nil)

	if _, err := h.svc.Send(ctx, SendParams{Model: "m", Content: "  "}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a blank message without pictures = %v, want ErrInvalid", err)
	}
}

// describer is a router that knows one other server, for the failure texts.
type describer struct{ *fakeProvider }

func (describer) DescribeEndpoint(id string) (string, string, bool) {
	if id == "" {
		return "This computer", "http://127.0.0.1:11434", true
	}
	return "LM Studio", "http://10.0.0.5:1234/v1", false
}

func TestFailureNamesTheServer(t *testing.T) {
	s := &Service{provider: describer{newFakeProvider()}}
	for _, tc := range []struct {
		endpoint string
		err      error
		says     string
	}{
		{"", llm.ErrUnreachable, "Ollama is not reachable at http://127.0.0.1:11434"},
		{"lm", llm.ErrUnreachable, `The server "LM Studio" (http://10.0.0.5:1234/v1) is not reachable`},
		{"lm", llm.ErrUnauthorized, "refused the API key"},
		{"lm", llm.ErrModelNotFound, `The model "m" is not on the server "LM Studio"`},
		{"lm", &llm.ServerError{Status: 500, Message: "out of memory"}, "refused to write a reply: out of memory"},
	} {
		if got := s.failure(tc.err, "m", tc.endpoint, false); !strings.Contains(got, tc.says) {
			t.Errorf("failure(%v, endpoint %q) = %q, want it to say %q", tc.err, tc.endpoint, got, tc.says)
		}
	}
}
