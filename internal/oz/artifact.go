package oz

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
)

// Artifacts: the data of the known types (pull requests, files), their
// JSON for the outputs, and GetArtifact (a file's download URL).

// Types named by the UnmarshalTypeErrors of this package's decoders.
var (
	runType      = reflect.TypeFor[Run]()
	stateType    = reflect.TypeFor[State]()
	artifactType = reflect.TypeFor[Artifact]()
)

// MarshalArtifacts encodes artifacts as a JSON array (the artifacts
// output), each in its canonical form (Artifact.MarshalJSON), without HTML
// escaping. nil is "[]".
func MarshalArtifacts(artifacts []Artifact) ([]byte, error) {
	if artifacts == nil {
		artifacts = []Artifact{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(artifacts); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// PullRequest returns the URL (of at most 2048 bytes) and branch of a
// PULL_REQUEST artifact; ok is false for another type or one without URL.
func (a Artifact) PullRequest() (url, branch string, ok bool) {
	if a.Type != ArtifactPullRequest || len(a.Data) == 0 {
		return "", "", false
	}
	d := jsonReaderOf(a.Data)
	d.object(func(key string, _ bool) {
		switch key {
		case "url":
			url = d.ident(maxURL)
		case "branch":
			branch = d.ident(maxBranch)
		}
	})
	if d.end() != nil || url == "" {
		return "", "", false
	}
	return url, branch, true
}

// FileArtifact is the data of a FILE artifact. Every text in it comes from
// the agent: Filepath and Filename may be "../x", absolute, hold NUL or be
// very long; clean them before they name a file.
type FileArtifact struct {
	// UID names it for GetArtifact.
	UID string
	// Filepath is relative to the agent's working directory; empty when
	// absent or longer than 1 KiB.
	Filepath string
	// Filename is its base name; empty when absent or longer than 1 KiB.
	Filename    string
	MimeType    string
	Title       string
	Description string
	// SizeBytes is its size as announced, if it was.
	SizeBytes *int64
}

// File returns the data of a FILE artifact that has an artifact_uid.
func (a Artifact) File() (FileArtifact, bool) {
	if a.Type != ArtifactFile || len(a.Data) == 0 {
		return FileArtifact{}, false
	}
	var f FileArtifact
	d := jsonReaderOf(a.Data)
	d.object(func(key string, _ bool) {
		switch key {
		case "artifact_uid":
			f.UID = d.ident(maxIdent)
		case "filepath":
			f.Filepath = d.ident(maxPathLen)
		case "filename":
			f.Filename = d.ident(maxPathLen)
		case "mime_type":
			f.MimeType = d.ident(maxMimeType)
		case "title":
			f.Title = d.text(maxTitle)
		case "description":
			f.Description = d.text(maxDescription)
		case "size_bytes":
			f.SizeBytes = d.integer()
		}
	})
	if d.end() != nil || f.UID == "" {
		return FileArtifact{}, false
	}
	return f, true
}

// ArtifactResponse is the answer of GET /agent/artifacts/{uid}.
type ArtifactResponse struct {
	Type      string
	UID       string
	CreatedAt string
	Data      ArtifactDownloadData
}

// ArtifactDownloadData is how to download an artifact.
type ArtifactDownloadData struct {
	// DownloadURL is a signed URL on another host: fetch it with Download,
	// which sends no key. It expires (ExpiresAt): ask for a fresh one
	// rather than retrying an expired one.
	DownloadURL string
	ExpiresAt   string
	ContentType string
	Filename    string
	Filepath    string
	Title       string
	Description string
	SizeBytes   *int64
}

// GetArtifact asks for an artifact's download URL (a fresh one each call).
// It is retried like GetRun; a 404 is a final *APIError.
func (c *Client) GetArtifact(ctx context.Context, uid string) (*ArtifactResponse, error) {
	if uid == "" {
		return nil, errors.New("oz: GetArtifact: the artifact uid is empty")
	}
	op := "get artifact " + quoteID(uid)
	u := c.endpoint("agent", "artifacts", uid)
	var out *ArtifactResponse
	err := c.withRetry(ctx, op, func(n int) error {
		_, err := c.send(ctx, op, n, http.MethodGet, u, nil, func(r io.Reader) (err error) {
			out, err = decodeArtifactResponse(r)
			return err
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func decodeArtifactResponse(r io.Reader) (*ArtifactResponse, error) {
	var a ArtifactResponse
	err := readObject(r, func(d *jsonReader) {
		d.object(func(key string, _ bool) {
			switch key {
			case "artifact_type":
				a.Type = d.text(maxCode)
			case "artifact_uid":
				a.UID = d.ident(maxIdent)
			case "created_at":
				a.CreatedAt = d.ident(maxStamp)
			case "data":
				d.object(func(key string, _ bool) {
					dd := &a.Data
					switch key {
					case "download_url":
						dd.DownloadURL = d.ident(maxSignedURL)
					case "expires_at":
						dd.ExpiresAt = d.ident(maxStamp)
					case "content_type":
						dd.ContentType = d.ident(maxMimeType)
					case "filename":
						dd.Filename = d.ident(maxPathLen)
					case "filepath":
						dd.Filepath = d.ident(maxPathLen)
					case "title":
						dd.Title = d.text(maxTitle)
					case "description":
						dd.Description = d.text(maxDescription)
					case "size_bytes":
						dd.SizeBytes = d.integer()
					}
				})
			}
		})
	})
	if err != nil {
		return nil, err
	}
	if a.Data.DownloadURL == "" {
		return nil, errors.New("the answer has no download_url (or one longer than 8 KiB)")
	}
	return &a, nil
}
