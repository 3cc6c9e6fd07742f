package product

import (
	"encoding/json"
	"errors"
	"fmt"
)

// UpcastDelistedV1 turns a version 1 product.delisted payload into version
// 2: it keeps every field and adds "code": "other", since a version 1
// delisting said why only in free text and no code can be read back from
// it honestly. A payload that is not a JSON object, or already has a code,
// is refused rather than guessed at: an upcaster runs on every read of
// history, and a silent wrong answer there is worse than a loud one.
func UpcastDelistedV1(data json.RawMessage) (json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("product.delisted v1: %w", err)
	}
	if fields == nil {
		return nil, errors.New("product.delisted v1 is null, not an object")
	}
	if _, ok := fields["code"]; ok {
		return nil, errors.New("product.delisted v1 already has a code")
	}
	fields["code"] = json.RawMessage(`"` + DelistOther + `"`)
	return json.Marshal(fields)
}
