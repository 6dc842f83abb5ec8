package shell

import "io"

// Bounds of the buffer readChunks reads into.
const (
	minChunk = 512
	maxChunk = 32 << 10
)

// readChunks reads r to its end and passes each chunk to write; it serves
// the ReadFrom methods that let io.Copy skip its own 32 KiB buffer. Its
// buffer starts small and doubles while reads fill it, so a command that
// writes little (most do) costs little memory.
func readChunks(r io.Reader, write func([]byte) error) (int64, error) {
	buf := make([]byte, minChunk)
	var total int64
	for {
		n, err := r.Read(buf)
		if n > 0 {
			total += int64(n)
			if werr := write(buf[:n]); werr != nil {
				return total, werr
			}
			if n == len(buf) && len(buf) < maxChunk {
				buf = make([]byte, 2*len(buf))
			}
		}
		switch {
		case err == io.EOF:
			return total, nil
		case err != nil:
			return total, err
		}
	}
}
