package store

import "time"

// Message statuses. A reply is written when it starts (streaming), grown while it streams, and
// closed with one of the final states.
const (
	StatusStreaming   = "streaming"
	StatusDone        = "done"
	StatusStopped     = "stopped"
	StatusError       = "error"
	StatusInterrupted = "interrupted" // the app stopped (crash, kill, quit) while it was streaming
)

// Roles of a message.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Conversation is one chat thread. The schema is created by the migrations in migrate.go, not by
// these tags; the JSON names are the API's (docs/API.md). Messages is only filled by
// GetConversation, so summaries marshal without it. A deleted conversation (deleted_at set, see
// trash.go) is invisible to every query here until it is restored.
type Conversation struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Model string `json:"model"`
	// EndpointID is the model server the conversation uses; empty is this machine's Ollama.
	EndpointID   string   `json:"endpointId,omitempty"`
	SystemPrompt string   `json:"systemPrompt"`
	Temperature  *float64 `json:"temperature,omitempty"`
	NumCtx       *int     `json:"numCtx,omitempty"`
	// Pinned conversations come first in the list.
	Pinned bool `json:"pinned"`
	// Tags group conversations (a tag does what a folder would, and one conversation can be in
	// several). Kept in conversation_tags; filled by the queries that return conversations.
	Tags      []string  `gorm:"-" json:"tags"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	Messages  []Message `gorm:"foreignKey:ConversationID" json:"messages,omitempty"`
}

// Message is one turn. Position orders the messages of a conversation from 0.
type Message struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversationId"`
	Position       int    `json:"position"`
	Role           string `json:"role"`
	Content        string `json:"content"`
	// Images are pictures the person attached, for a vision model.
	Images         Images    `json:"images,omitempty"`
	Status         string    `json:"status"`
	Error          string    `json:"error,omitempty"`
	Model          string    `json:"model,omitempty"`
	EvalTokens     int       `json:"evalTokens,omitempty"`
	EvalDurationMs int64     `json:"evalDurationMs,omitempty"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

// Setting is one persisted preference, stored as JSON text.
type Setting struct {
	Key   string `gorm:"primaryKey"`
	Value string
}
