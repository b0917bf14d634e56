package chat

import (
	"net/http"
	"strings"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// Limits on pictures attached to a message. Vision models look at a picture of about a megapixel
// (the page scales larger ones down before sending), so 4 MB is a photo kept whole; four of them
// is more than any local vision model takes in one turn.
const (
	MaxImages     = 4
	MaxImageBytes = 4 << 20
)

// imageTypes are the formats vision models read.
var imageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// checkImages accepts pictures a model can read: known formats whose bytes say the same thing as
// their declared type, none empty or huge.
func checkImages(images []store.Image) error {
	if len(images) > MaxImages {
		return invalid("%d pictures are attached; at most %d go with one message", len(images), MaxImages)
	}
	for i, im := range images {
		n := i + 1
		switch {
		case len(im.Data) == 0:
			return invalid("picture %d is empty", n)
		case len(im.Data) > MaxImageBytes:
			return invalid("picture %d is %d bytes; the limit is %d (4 MB): attach a smaller picture", n, len(im.Data), MaxImageBytes)
		case !imageTypes[im.MediaType]:
			return invalid("picture %d is %q; attach a PNG, JPEG, GIF or WebP picture", n, im.MediaType)
		}
		// The declared type is the client's word; the bytes are the truth a model will see.
		if sniffed := http.DetectContentType(im.Data); sniffed != im.MediaType {
			return invalid("picture %d is declared %s but its content is %s", n, im.MediaType, strings.TrimSuffix(sniffed, "; charset=utf-8"))
		}
	}
	return nil
}

// checkEndpoint accepts a server ID: which ones exist is the router's to say when it is used.
func checkEndpoint(id string) error {
	if len(id) > maxModelBytes || strings.ContainsAny(id, "\n\r\t ") {
		return invalid("%q is not a server ID", id)
	}
	return nil
}
