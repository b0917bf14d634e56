package archive

import (
	"bytes"
	"errors"
	"io"
	"unicode/utf8"
)

// Read errors the import turns into messages about the file.
var (
	errFileTooLarge  = errors.New("file too large")
	errValueTooLarge = errors.New("value too large")
)

// posReader feeds the JSON decoder and enforces the limits: the whole file may not pass
// MaxFileBytes, and reading may not go further than the window the importer opened for the
// value it is decoding, which is what bounds memory. It also keeps the bytes read since the last
// discard, so that an offset the decoder reports can be turned into a line and column.
type posReader struct {
	r    io.Reader
	off  int64 // bytes handed to the decoder
	max  int64 // the whole file's limit
	stop int64 // the current window's end (≤ max)

	kept      []byte // bytes from base to off
	base      int64
	line, col int // the position of base: line from 1, column (in runes) from 1
}

func newPosReader(r io.Reader, max int64) *posReader {
	return &posReader{r: r, max: max, stop: max, line: 1, col: 1}
}

func (p *posReader) Read(b []byte) (int, error) {
	if p.off >= p.stop {
		// At a limit: it only matters if the file goes on.
		var one [1]byte
		n, err := io.ReadFull(p.r, one[:])
		if n == 0 {
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			return 0, err
		}
		if p.stop >= p.max {
			return 0, errFileTooLarge
		}
		return 0, errValueTooLarge
	}
	if rest := p.stop - p.off; int64(len(b)) > rest {
		b = b[:rest]
	}
	n, err := p.r.Read(b)
	p.kept = append(p.kept, b[:n]...)
	p.off += int64(n)
	return n, err
}

// window lets the decoder read at most size bytes past from (an offset it has reached).
func (p *posReader) window(from, size int64) {
	p.stop = min(p.max, from+size)
}

// discard forgets the bytes before upTo, which no error will point into any more.
func (p *posReader) discard(upTo int64) {
	if upTo <= p.base {
		return
	}
	n := min(upTo-p.base, int64(len(p.kept)))
	p.line, p.col = advance(p.line, p.col, p.kept[:n])
	rest := p.kept[n:]
	if cap(p.kept) > 1<<20 && len(rest) < cap(p.kept)/4 {
		rest = bytes.Clone(rest) // let a large buffer go once it is mostly empty
	}
	p.kept = rest
	p.base += n
}

// position is the line and column of offset at, or 0, 0 if it was discarded already.
func (p *posReader) position(at int64) (line, col int) {
	if at < p.base || at > p.base+int64(len(p.kept)) {
		return 0, 0
	}
	return advance(p.line, p.col, p.kept[:at-p.base])
}

func advance(line, col int, b []byte) (int, int) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return line, col + utf8.RuneCount(b)
		}
		line, col = line+1, 1
		b = b[i+1:]
	}
	return line, col
}
