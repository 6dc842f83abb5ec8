package temporal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

// KeyEnv is the environment variable holding the key that encrypts a
// run's payloads, 32 bytes in hex or base64; KeyFile is read when it is
// not set.
const KeyEnv = "RUNBOOK_TEMPORAL_KEY"

// encodingAESGCM marks a payload encrypted by the codec.
const encodingAESGCM = "binary/runbook-aes256-gcm"

// ParseKey decodes a key written in hex or base64, which must hold 32
// bytes.
func ParseKey(text string) ([]byte, error) {
	text = strings.TrimSpace(text)
	key, err := hex.DecodeString(text)
	if err != nil {
		key, err = base64.StdEncoding.DecodeString(text)
	}
	switch {
	case err != nil:
		return nil, errors.New("the key is neither hex nor base64")
	case len(key) != 32:
		return nil, fmt.Errorf("the key holds %d bytes, not 32", len(key))
	}
	return key, nil
}

// LoadKey returns the key from the environment variable KeyEnv, or else
// from the file at path; it is an error when neither is set.
func LoadKey(path string) ([]byte, error) {
	if text := os.Getenv(KeyEnv); text != "" {
		key, err := ParseKey(text)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", KeyEnv, err)
		}
		return key, nil
	}
	if path == "" {
		return nil, fmt.Errorf("no key to encrypt the run with: set %s or give a key file", KeyEnv)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the key: %w", err)
	}
	key, err := ParseKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return key, nil
}

// codec encrypts every payload with AES-256-GCM: the input of a run
// (its variables, the sudo password), the outputs of its instances and
// the events they emit reach the server only encrypted.
type codec struct{ aead cipher.AEAD }

// newCodec returns the codec of key.
func newCodec(key []byte) (*codec, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &codec{aead}, nil
}

// Encode encrypts each payload whole, metadata included.
func (c *codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, err
		}
		nonce := make([]byte, c.aead.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			return nil, err
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{converter.MetadataEncoding: []byte(encodingAESGCM)},
			Data:     c.aead.Seal(nonce, nonce, plain, nil),
		}
	}
	return out, nil
}

// Decode decrypts the payloads Encode encrypted and leaves others as
// they are.
func (c *codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != encodingAESGCM {
			out[i] = p
			continue
		}
		n := c.aead.NonceSize()
		if len(p.Data) < n {
			return nil, errors.New("an encrypted payload is too short")
		}
		plain, err := c.aead.Open(nil, p.Data[:n], p.Data[n:], nil)
		if err != nil {
			return nil, errors.New("a payload does not decrypt: the key differs from the one that encrypted it")
		}
		out[i] = &commonpb.Payload{}
		if err := proto.Unmarshal(plain, out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// dataConverter returns the data converter and failure converter that
// encrypt with key: payloads, and the messages and stacks of failures.
func dataConverter(key []byte) (converter.DataConverter, converter.FailureConverter, error) {
	c, err := newCodec(key)
	if err != nil {
		return nil, nil, err
	}
	dc := converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
	fc := temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc, EncodeCommonAttributes: true})
	return dc, fc, nil
}
