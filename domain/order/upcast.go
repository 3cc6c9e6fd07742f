package order

import (
	"encoding/json"
	"errors"
	"fmt"
)

// UpcastPlacedV1 turns a version 1 order.placed payload into version 2. It
// adds nothing: version 1 recorded no shipping address, and none can be
// read back from anywhere honestly (the address book may have changed
// since), so the order reads with no ship-to. A payload that is not a JSON
// object, or already has a ship_to, is refused rather than guessed at.
func UpcastPlacedV1(data json.RawMessage) (json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("order.placed v1: %w", err)
	}
	if fields == nil {
		return nil, errors.New("order.placed v1 is null, not an object")
	}
	if _, ok := fields["ship_to"]; ok {
		return nil, errors.New("order.placed v1 already has a ship_to")
	}
	return data, nil
}
