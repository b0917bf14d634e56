package ollamatest

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"
)

// GGUF value and tensor type codes (GGUF v3, see ggml's gguf.md).
const (
	ggufUint32  = 4
	ggufInt32   = 5
	ggufFloat32 = 6
	ggufString  = 8
	ggufArray   = 9

	ggmlF32   = 0
	ggufAlign = 32
)

// ggufWriter builds a GGUF v3 file in memory: metadata first, tensor infos, then the aligned
// tensor data. The files it writes are small (well under a megabyte), so buffering is simpler
// than computing offsets ahead.
type ggufWriter struct {
	kv      []byte
	nKV     uint64
	infos   []byte
	data    []byte
	nTensor uint64
}

func appendString(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(len(s)))
	return append(b, s...)
}

func (w *ggufWriter) key(k string, typ uint32) {
	w.kv = appendString(w.kv, k)
	w.kv = binary.LittleEndian.AppendUint32(w.kv, typ)
	w.nKV++
}

func (w *ggufWriter) str(k, v string) {
	w.key(k, ggufString)
	w.kv = appendString(w.kv, v)
}

func (w *ggufWriter) u32(k string, v uint32) {
	w.key(k, ggufUint32)
	w.kv = binary.LittleEndian.AppendUint32(w.kv, v)
}

func (w *ggufWriter) f32(k string, v float32) {
	w.key(k, ggufFloat32)
	w.kv = binary.LittleEndian.AppendUint32(w.kv, math.Float32bits(v))
}

func (w *ggufWriter) arrayHeader(k string, elem uint32, n int) {
	w.key(k, ggufArray)
	w.kv = binary.LittleEndian.AppendUint32(w.kv, elem)
	w.kv = binary.LittleEndian.AppendUint64(w.kv, uint64(n))
}

func (w *ggufWriter) strs(k string, vs []string) {
	w.arrayHeader(k, ggufString, len(vs))
	for _, v := range vs {
		w.kv = appendString(w.kv, v)
	}
}

func (w *ggufWriter) f32s(k string, vs []float32) {
	w.arrayHeader(k, ggufFloat32, len(vs))
	for _, v := range vs {
		w.kv = binary.LittleEndian.AppendUint32(w.kv, math.Float32bits(v))
	}
}

func (w *ggufWriter) i32s(k string, vs []int32) {
	w.arrayHeader(k, ggufInt32, len(vs))
	for _, v := range vs {
		w.kv = binary.LittleEndian.AppendUint32(w.kv, uint32(v))
	}
}

// tensor adds an F32 tensor. dims are in ggml order: dims[0] varies fastest, so a matrix
// (in, out) stores each output row as in contiguous values.
func (w *ggufWriter) tensor(name string, dims []uint64, values []float32) {
	w.infos = appendString(w.infos, name)
	w.infos = binary.LittleEndian.AppendUint32(w.infos, uint32(len(dims)))
	for _, d := range dims {
		w.infos = binary.LittleEndian.AppendUint64(w.infos, d)
	}
	w.infos = binary.LittleEndian.AppendUint32(w.infos, ggmlF32)
	w.infos = binary.LittleEndian.AppendUint64(w.infos, uint64(len(w.data)))
	for _, v := range values {
		w.data = binary.LittleEndian.AppendUint32(w.data, math.Float32bits(v))
	}
	w.data = pad(w.data)
	w.nTensor++
}

func pad(b []byte) []byte {
	for len(b)%ggufAlign != 0 {
		b = append(b, 0)
	}
	return b
}

func (w *ggufWriter) writeFile(path string) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create GGUF file: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close GGUF file %s: %w", path, cerr)
		}
	}()

	header := []byte("GGUF")
	header = binary.LittleEndian.AppendUint32(header, 3)
	header = binary.LittleEndian.AppendUint64(header, w.nTensor)
	header = binary.LittleEndian.AppendUint64(header, w.nKV)
	header = append(header, w.kv...)
	header = append(header, w.infos...)
	header = pad(header)

	bw := bufio.NewWriter(f)
	if _, err := bw.Write(header); err != nil {
		return fmt.Errorf("write GGUF header to %s: %w", path, err)
	}
	if _, err := bw.Write(w.data); err != nil {
		return fmt.Errorf("write GGUF tensors to %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write GGUF file %s: %w", path, err)
	}
	return nil
}
