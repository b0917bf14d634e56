// Package archive moves conversation history in and out of the app as files: our own JSON
// (lossless: importing an export gives back the same history) and Markdown (to read or share),
// and imports of other apps' exports (Open WebUI's chat export, ChatGPT's conversations.json).
//
// Files are streamed both ways, never read or built whole in memory, and an import is one
// transaction: a file that is wrong anywhere imports nothing, and the error names the file and
// the place in it (line, column and the path to the value).
package archive

import (
	"errors"
	"fmt"
	"strings"
)

// Formats of a file.
const (
	FormatJSON      = "json"      // our own, lossless
	FormatMarkdown  = "markdown"  // export only
	FormatOpenWebUI = "openwebui" // import only
	FormatChatGPT   = "chatgpt"   // import only
)

// Limits on an import. A real export is far below them; they exist so that a hostile or broken
// file fails with a clear error instead of exhausting memory or the disk.
const (
	// MaxFileBytes bounds a whole file. ChatGPT's conversations.json for years of heavy use is
	// a few hundred megabytes.
	MaxFileBytes = 512 << 20
	// MaxConversationBytes bounds one conversation as it is written in the file: memory use is
	// a small multiple of it, whatever the size of the file. Pictures (4 MB each, in base64) are
	// what makes a real conversation large.
	MaxConversationBytes = 64 << 20
	// MaxContentBytes bounds one message's text.
	MaxContentBytes = 8 << 20
	// maxTitleRunes is the longest title kept; longer ones from other apps are cut.
	maxTitleRunes = 200
)

// ErrInvalid marks every import error caused by the file rather than by the app; ErrTooLarge
// (also an ErrInvalid) a file over MaxFileBytes.
var (
	ErrInvalid  = errors.New("cannot import this file")
	ErrTooLarge = errors.New("the file is too large to import")
)

// Error is a file that cannot be imported: what is wrong, and where.
type Error struct {
	File         string // the file's name as the person chose it
	Line, Column int    // 1-based; 0 when the place is a whole value or unknown
	Path         string // the value that is wrong, e.g. conversations[3].messages[1].role
	Problem      string
	tooLarge     bool
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("cannot import ")
	if e.File != "" {
		b.WriteString(e.File)
	} else {
		b.WriteString("the file")
	}
	var where []string
	if e.Line > 0 {
		where = append(where, fmt.Sprintf("line %d, column %d", e.Line, e.Column))
	}
	if e.Path != "" {
		where = append(where, "at "+e.Path)
	}
	if len(where) > 0 {
		b.WriteString(" (" + strings.Join(where, ", ") + ")")
	}
	b.WriteString(": " + e.Problem)
	return b.String()
}

// Is makes every Error an ErrInvalid, and one about the file's size an ErrTooLarge.
func (e *Error) Is(target error) bool {
	return target == ErrInvalid || (target == ErrTooLarge && e.tooLarge)
}

// ImportResult says what an import did.
type ImportResult struct {
	Format        string `json:"format"`
	Conversations int    `json:"conversations"` // added
	Messages      int    `json:"messages"`      // in the added conversations
	// Skipped counts conversations already in the history (imported before) and conversations
	// with nothing to import (no message with text).
	Skipped int `json:"skipped"`
}
