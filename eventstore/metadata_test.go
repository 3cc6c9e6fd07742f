package eventstore

import (
	"encoding/json"
	"testing"
	"time"
)

// metadataInputs are shapes the hand parser takes and shapes it must hand
// to json.Unmarshal: each must come out exactly as json.Unmarshal says.
var metadataInputs = []string{
	`{}`,
	`{"command_id":"c","correlation_id":"k","causation_id":"z","actor":{"user_id":"u","role":"admin"},"idempotency_key":"i","recorded_at":"2025-03-01T10:11:12.123456Z"}`,
	`{"recorded_at":"2025-03-01T14:11:12.5+04:00"}`,
	`{"actor":{}}`,
	` { "command_id" : "c" , "actor" : { "role" : "r" } } `,
	`{"command_id":"a","command_id":"b"}`,            // the last wins
	`{"actor":{"user_id":"u"},"actor":{"role":"r"}}`, // merged, as json does
	`{"command_id":"\u00e9\"q"}`,                     // escapes
	`{"command_id":"عطر العود"}`,                     // UTF-8 as is
	`{"Command_ID":"case"}`,                          // json matches keys case-insensitively
	`{"command_id":null}`,
	`{"extra":1,"command_id":"c"}`,
	`{"recorded_at":"yesterday"}`,
	`{"recorded_at":"2025-03-01T10:11:12Z"`,
	`{"command_id":"c"} x`,
	"{\"command_id\":\"a\tb\"}", // a raw control character
	"{\"command_id\":\"\xff\"}", // invalid UTF-8: json replaces it
	`[]`,
	``,
	`{"command_id":1}`,
	`{"command_id":"c",}`,
}

func TestDecodeMetadataAgreesWithEncodingJSON(t *testing.T) {
	for _, in := range metadataInputs {
		checkMetadata(t, in)
	}
}

// Everything the writer can produce takes the hand parser (no fallback) and
// round-trips.
func TestDecodeMetadataTakesWhatTheWriterWrites(t *testing.T) {
	for _, md := range []Metadata{
		{},
		{CommandID: "6f1c", CorrelationID: "c", CausationID: "z", IdempotencyKey: "k", Actor: Actor{UserID: "u-77", Role: "customer"}},
		{RecordedAt: time.Date(2025, 3, 1, 10, 11, 12, 123456000, time.UTC)},
		{Actor: Actor{Role: "auditor"}, RecordedAt: time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)},
	} {
		b, err := json.Marshal(md)
		if err != nil {
			t.Fatal(err)
		}
		var got Metadata
		if !parseMetadata(string(b), &got) {
			t.Errorf("%s: the hand parser refused what the writer writes", b)
		}
		if !got.RecordedAt.Equal(md.RecordedAt) {
			t.Errorf("%s: recorded_at %v, want %v", b, got.RecordedAt, md.RecordedAt)
		}
		got.RecordedAt, md.RecordedAt = time.Time{}, time.Time{}
		if got != md {
			t.Errorf("%s: got %+v, want %+v", b, got, md)
		}
	}
}

func FuzzDecodeMetadata(f *testing.F) {
	for _, in := range metadataInputs {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) { checkMetadata(t, in) })
}

func checkMetadata(t *testing.T, in string) {
	t.Helper()
	var want, got Metadata
	wantErr := json.Unmarshal([]byte(in), &want)
	gotErr := DecodeMetadata(in, &got)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("%q: error %v, json.Unmarshal says %v", in, gotErr, wantErr)
	}
	if wantErr != nil {
		return
	}
	if !got.RecordedAt.Equal(want.RecordedAt) || got.RecordedAt.Location().String() != want.RecordedAt.Location().String() {
		t.Fatalf("%q: recorded_at %v, json.Unmarshal says %v", in, got.RecordedAt, want.RecordedAt)
	}
	got.RecordedAt, want.RecordedAt = time.Time{}, time.Time{}
	if got != want {
		t.Fatalf("%q: %+v, json.Unmarshal says %+v", in, got, want)
	}
}
