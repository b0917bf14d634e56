package api

import "context"

// FilePicker asks the person at the desktop to choose a file, with the platform's own dialogs.
// Only the desktop window has one: it puts it in the context of its calls (WithFilePicker).
// A browser chooses files itself and moves them over HTTP (transfer.go).
type FilePicker interface {
	// SaveFile asks where to save; "" means the person cancelled.
	SaveFile(ctx context.Context, title, defaultName string, filters []FileFilter) (string, error)
	// OpenFile asks which file to open; "" means the person cancelled.
	OpenFile(ctx context.Context, title string, filters []FileFilter) (string, error)
}

// FileFilter is one entry of a dialog's file-type list, e.g. {"JSON", "*.json"}.
type FileFilter struct {
	Name    string
	Pattern string // semicolon-separated globs
}

type pickerKey struct{}

// WithFilePicker makes p the file picker of the operations called with ctx.
func WithFilePicker(ctx context.Context, p FilePicker) context.Context {
	return context.WithValue(ctx, pickerKey{}, p)
}

func filePicker(ctx context.Context) FilePicker {
	p, _ := ctx.Value(pickerKey{}).(FilePicker)
	return p
}
