package archive

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// Sink is where an import adds conversations (store.Store's Import).
type Sink interface {
	Import(ctx context.Context, fn func(imp *store.Importer) error) (int, error)
}

// Import reads a file of one of the import formats from r, which it detects, and adds its
// conversations in one transaction. name is the file's name, for error messages. A file that is
// wrong anywhere imports nothing and the error is an *Error (and ErrInvalid).
func Import(ctx context.Context, r io.Reader, name string, dst Sink) (ImportResult, error) {
	return importWith(ctx, r, name, dst, limits{file: MaxFileBytes, value: MaxConversationBytes})
}

// limits are the sizes an import enforces; tests make them small.
type limits struct {
	file  int64 // the whole file
	value int64 // one conversation, or anything between two of them
}

func importWith(ctx context.Context, r io.Reader, name string, dst Sink, lim limits) (ImportResult, error) {
	d := newDecoder(r, name, lim)
	var res ImportResult
	_, err := dst.Import(ctx, func(imp *store.Importer) error {
		add := func(c store.Conversation, at string, keepEmpty bool) error {
			if len(c.Messages) == 0 && !keepEmpty {
				res.Skipped++
				return nil
			}
			n := len(c.Messages)
			added, err := imp.Add(ctx, &c)
			if errors.Is(err, store.ErrIDInUse) {
				return d.fail(-1, at, "a message ID in this conversation is already used by another conversation")
			}
			if err != nil {
				return err
			}
			if !added {
				res.Skipped++
				return nil
			}
			res.Conversations++
			res.Messages += n
			return nil
		}
		var err error
		res.Format, err = d.run(ctx, add)
		return err
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// decoder walks a file as a stream of JSON tokens, decoding one conversation at a time.
//
// Every read the decoder makes is bounded to lim.value bytes past where it stands (see
// windowed): that bounds the value being decoded, and also the white space before it, which
// encoding/json keeps buffering while it looks for the next value.
type decoder struct {
	name string
	lim  limits
	pr   *posReader
	dec  *json.Decoder
}

func newDecoder(r io.Reader, name string, lim limits) *decoder {
	pr := newPosReader(r, lim.file)
	dec := json.NewDecoder(pr)
	dec.UseNumber()
	return &decoder{name: name, lim: lim, pr: pr, dec: dec}
}

// windowed runs a decoder call with reads bounded to lim.value bytes past the current offset.
func (d *decoder) windowed(f func()) {
	d.pr.window(d.dec.InputOffset(), d.lim.value)
	f()
	d.pr.window(0, d.lim.file)
}

// more tells whether the array or object being read has another element.
func (d *decoder) more() bool {
	var more bool
	d.windowed(func() { more = d.dec.More() })
	return more
}

// addFunc adds one conversation; keepEmpty keeps a conversation without messages (ours are
// kept as they were; another app's empty ones are noise from its UI).
type addFunc func(c store.Conversation, path string, keepEmpty bool) error

// run detects the format from the first value and imports the file; it returns the format.
func (d *decoder) run(ctx context.Context, add addFunc) (string, error) {
	tok, err := d.token()
	if err == io.EOF {
		return "", d.fail(0, "", "the file is empty")
	}
	if err != nil {
		return "", d.readErr(err, "")
	}
	switch tok {
	case json.Delim('{'):
		return FormatJSON, d.ours(ctx, add)
	case json.Delim('['):
		return d.array(ctx, add)
	}
	return "", d.fail(d.dec.InputOffset(), "", "this is not a conversation export: it must be a JSON object (a CloudToLocalLLM export) or a JSON array (Open WebUI, ChatGPT)")
}

// ours reads our own file, the opening brace already read.
func (d *decoder) ours(ctx context.Context, add addFunc) error {
	sawFormat := false
	for d.more() {
		keyTok, err := d.token()
		if err != nil {
			return d.readErr(err, "")
		}
		key, _ := keyTok.(string)
		switch key {
		case "format", "version":
			start := d.dec.InputOffset()
			v, err := d.token()
			if err != nil {
				return d.readErr(err, key)
			}
			if key == "format" {
				if s, _ := v.(string); s != formatName {
					return d.fail(start, key, fmt.Sprintf("%v is not %q: this is not a CloudToLocalLLM export", v, formatName))
				}
				sawFormat = true
				continue
			}
			n, _ := v.(json.Number)
			ver, err := n.Int64()
			if err != nil || ver < 1 {
				return d.fail(start, key, fmt.Sprintf("%v is not a version number", v))
			}
			if ver > formatVersion {
				return d.fail(start, key, fmt.Sprintf("the file is version %d, from a newer CloudToLocalLLM; this one reads version %d — update the app", ver, formatVersion))
			}
		case "exportedAt":
			if _, _, err := d.raw("exportedAt"); err != nil {
				return err
			}
		case "conversations":
			// "format" may come after (tools that sort keys put it there): the import is one
			// transaction, so if it turns out missing or wrong below, nothing is kept.
			if err := d.elements(ctx, "conversations", func(raw []byte, start int64, path string) error {
				var c conversationV1
				if err := d.decodeStrict(raw, start, path, &c); err != nil {
					return err
				}
				sc, p := fromV1(c)
				if p != nil {
					return d.fail(start, path+"."+p.path, p.what)
				}
				return add(sc, path, true)
			}); err != nil {
				return err
			}
		default:
			return d.fail(d.dec.InputOffset(), "", fmt.Sprintf("unexpected key %q: this is not a CloudToLocalLLM export", key))
		}
	}
	if !sawFormat {
		return d.fail(0, "", `no "format" key: this is not a CloudToLocalLLM export`)
	}
	if _, err := d.token(); err != nil { // the closing brace
		return d.readErr(err, "")
	}
	return d.end()
}

// array reads Open WebUI's and ChatGPT's files, the opening bracket already read: the first
// element tells which it is, and every element must be of that kind.
func (d *decoder) array(ctx context.Context, add addFunc) (string, error) {
	format := ""
	err := d.elements(ctx, "", func(raw []byte, start int64, path string) error {
		var probe struct {
			Mapping json.RawMessage `json:"mapping"`
			Chat    json.RawMessage `json:"chat"`
		}
		if err := json.Unmarshal(raw, &probe); err != nil {
			return d.fail(start, path, "each element must be a JSON object (one conversation)")
		}
		kind := ""
		switch {
		case probe.Mapping != nil:
			kind = FormatChatGPT
		case probe.Chat != nil:
			kind = FormatOpenWebUI
		default:
			return d.fail(start, path, `this is neither a ChatGPT conversation (it has no "mapping") nor an Open WebUI chat (it has no "chat")`)
		}
		if format == "" {
			format = kind
		} else if kind != format {
			return d.fail(start, path, fmt.Sprintf("this conversation is from %s but the file began with %s", kind, format))
		}
		var c store.Conversation
		var p *problem
		switch kind {
		case FormatChatGPT:
			var g gptConversation
			if err := d.decodeLoose(raw, start, path, &g); err != nil {
				return err
			}
			c, p = fromChatGPT(g)
		default:
			var o owuiChat
			if err := d.decodeLoose(raw, start, path, &o); err != nil {
				return err
			}
			c, p = fromOpenWebUI(o)
		}
		if p != nil {
			return d.fail(start, path+"."+p.path, p.what)
		}
		return add(c, path, false)
	})
	if err != nil {
		return "", err
	}
	if format == "" {
		format = FormatChatGPT // an empty array: nothing to tell, nothing imported
	}
	return format, d.end()
}

// elements decodes the elements of the array whose opening bracket comes next (or was just read,
// when field is ""), one at a time, handing each element's bytes to each.
func (d *decoder) elements(ctx context.Context, field string, each func(raw []byte, start int64, path string) error) error {
	if field != "" {
		start := d.dec.InputOffset()
		tok, err := d.token()
		if err != nil {
			return d.readErr(err, field)
		}
		if tok != json.Delim('[') {
			return d.fail(start, field, "must be an array of conversations")
		}
	}
	for i := 0; d.more(); i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		path := fmt.Sprintf("%s[%d]", field, i)
		raw, start, err := d.raw(path)
		if err != nil {
			return err
		}
		if err := each(raw, start, path); err != nil {
			return err
		}
		d.pr.discard(d.dec.InputOffset())
	}
	if _, err := d.token(); err != nil { // the closing bracket
		return d.readErr(err, field)
	}
	return nil
}

// raw reads the next value whole (within MaxConversationBytes) and checks that its text is valid
// UTF-8; JSON decoding would quietly turn invalid bytes into U+FFFD and lose them.
func (d *decoder) raw(path string) ([]byte, int64, error) {
	var raw json.RawMessage
	var err error
	d.windowed(func() { err = d.dec.Decode(&raw) })
	if err != nil {
		if errors.Is(err, errValueTooLarge) {
			return nil, 0, d.fail(-1, path, fmt.Sprintf("one conversation is larger than %s", mib(d.lim.value)))
		}
		return nil, 0, d.readErr(err, path)
	}
	start := d.dec.InputOffset() - int64(len(raw))
	if !utf8.Valid(raw) {
		bad := start + int64(firstInvalidUTF8(raw))
		return nil, 0, d.fail(bad, path, "the text is not valid UTF-8")
	}
	return raw, start, nil
}

// token reads the next token, which may not be larger than a conversation either.
func (d *decoder) token() (tok json.Token, err error) {
	d.windowed(func() { tok, err = d.dec.Token() })
	return tok, err
}

// decodeStrict decodes our own format: a field this version does not know is an error, not
// something to drop silently.
func (d *decoder) decodeStrict(raw []byte, start int64, path string, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return d.decodeErr(err, start, path)
	}
	return nil
}

// decodeLoose decodes other apps' formats, which carry many fields the import has no use for.
func (d *decoder) decodeLoose(raw []byte, start int64, path string, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return d.decodeErr(err, start, path)
	}
	return nil
}

// decodeErr places a decoding error inside the value that starts at start.
func (d *decoder) decodeErr(err error, start int64, path string) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		at := path
		if te.Field != "" {
			at += "." + te.Field
		}
		return d.fail(start+te.Offset, at, fmt.Sprintf("expected %s, found %s", kindOf(te.Type.Kind().String()), te.Value))
	case errors.As(err, &se):
		return d.fail(start+se.Offset, path, se.Error())
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return d.fail(start, path, "unknown field "+f+" (is the file from a newer version?)")
	}
	return d.fail(start, path, strings.TrimPrefix(msg, "json: "))
}

// kindOf names a Go kind as a person reading JSON would.
func kindOf(k string) string {
	switch k {
	case "string":
		return "text"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "ptr", "interface":
		return "a value"
	}
	return "a number"
}

// end checks that nothing follows the value that was the file.
func (d *decoder) end() error {
	start := d.dec.InputOffset()
	_, err := d.token()
	switch {
	case err == io.EOF:
		return nil
	case err == nil || isSyntax(err):
		return d.fail(start, "", "there is more after the end of the export")
	}
	return d.readErr(err, "")
}

// readErr turns an error from reading the stream into an *Error.
func (d *decoder) readErr(err error, path string) error {
	var se *json.SyntaxError
	switch {
	case errors.Is(err, errFileTooLarge):
		e := d.fail(-1, "", "the file is larger than "+mib(d.lim.file))
		e.(*Error).tooLarge = true
		return e
	case errors.Is(err, errValueTooLarge):
		return d.fail(-1, path, fmt.Sprintf("more than %s without the end of a value", mib(d.lim.value)))
	case errors.As(err, &se):
		return d.fail(se.Offset, path, "the file is not valid JSON: "+strings.TrimPrefix(se.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return d.fail(-1, path, "the file ends in the middle of the export (is it complete?)")
	}
	return fmt.Errorf("import %s: %w", d.name, err) // the stream itself failed: not the file's fault
}

// fail makes an *Error at offset (-1: where reading stopped, 0 with no path: the whole file).
func (d *decoder) fail(offset int64, path, what string) error {
	e := &Error{File: d.name, Path: path, Problem: what}
	if offset < 0 {
		offset = d.dec.InputOffset()
	}
	if offset > 0 || path != "" {
		e.Line, e.Column = d.pr.position(offset)
	}
	return e
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

func isSyntax(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se)
}

func mib(n int64) string { return fmt.Sprintf("%d MiB", n>>20) }
