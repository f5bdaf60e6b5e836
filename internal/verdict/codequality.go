package verdict

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
)

// CheckName is the check_name of oz-run's Code Quality entries.
const CheckName = "oz-run review"

// codeQualityEntry is one issue of a GitLab Code Quality report.
type codeQualityEntry struct {
	Description string              `json:"description"`
	CheckName   string              `json:"check_name"`
	Fingerprint string              `json:"fingerprint"`
	Severity    string              `json:"severity"`
	Location    codeQualityLocation `json:"location"`
}

type codeQualityLocation struct {
	Path  string           `json:"path"`
	Lines codeQualityLines `json:"lines"`
}

type codeQualityLines struct {
	Begin int `json:"begin"`
}

// codeQualitySeverity is Code Quality's severity for a finding's.
func codeQualitySeverity(severity string) string {
	switch severity {
	case SeverityError:
		return "critical"
	case SeverityWarning:
		return "major"
	}
	return "info"
}

// CodeQuality is the GitLab Code Quality report of the usable findings
// (a JSON array, "[]" for none), in the order given. A finding without a
// line is on line 1. Each fingerprint is the SHA-256 of the path, the
// line and the title, so that the same finding on the source and target
// branches compares equal; the second and later findings with the same
// three add how many came before, so that each entry's is its own.
func CodeQuality(findings []Finding) []byte {
	entries := []codeQualityEntry{}
	seen := map[string]int{}
	for _, f := range findings {
		if !f.Usable() {
			continue
		}
		line := max(f.Line, 1)
		key := f.Path + "\x00" + strconv.Itoa(line) + "\x00" + f.Title
		if n := seen[key]; n > 0 {
			key += "\x00" + strconv.Itoa(n)
		}
		seen[f.Path+"\x00"+strconv.Itoa(line)+"\x00"+f.Title]++
		sum := sha256.Sum256([]byte(key))
		desc := f.Message
		if f.Title != "" {
			desc = f.Title + ": " + f.Message
		}
		entries = append(entries, codeQualityEntry{
			Description: desc,
			CheckName:   CheckName,
			Fingerprint: hex.EncodeToString(sum[:]),
			Severity:    codeQualitySeverity(f.Severity),
			Location:    codeQualityLocation{Path: f.Path, Lines: codeQualityLines{Begin: line}},
		})
	}
	out, err := json.Marshal(entries)
	if err != nil { // strings, ints and nested structs always encode
		return []byte("[]")
	}
	return out
}
