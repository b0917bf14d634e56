package store

import (
	"bytes"
	"context"
	"testing"
)

// TestImagesAndEndpoint: pictures come back with their message byte for byte, a message without
// any reads back without any, and a conversation keeps the server it was told to use.
func TestImagesAndEndpoint(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	png := []byte("\x89PNG\r\n\x1a\nnot really a picture \x00\xff")
	c := Conversation{EndpointID: "lan-box", Messages: []Message{
		{Role: RoleUser, Content: "what is this?", Images: Images{{MediaType: "image/png", Data: png}}},
		{Role: RoleAssistant, Content: "a test"},
	}}
	if err := st.CreateConversation(ctx, &c); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetConversation(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.EndpointID != "lan-box" {
		t.Errorf("endpoint %q, want lan-box", got.EndpointID)
	}
	if im := got.Messages[0].Images; len(im) != 1 || im[0].MediaType != "image/png" || !bytes.Equal(im[0].Data, png) {
		t.Errorf("images read back as %+v", im)
	}
	if im := got.Messages[1].Images; im != nil {
		t.Errorf("a message without images reads back with %+v", im)
	}
	other := "other"
	if u, err := st.UpdateConversation(ctx, c.ID, ConversationPatch{EndpointID: &other}); err != nil || u.EndpointID != "other" {
		t.Fatalf("UpdateConversation(endpoint) = %+v, %v", u, err)
	}
}
