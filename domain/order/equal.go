package order

import "reflect"

// equalPlaced compares two placements field by field; Money compares by
// value, so reflect.DeepEqual is exact here.
func equalPlaced(a, b Placed) bool { return reflect.DeepEqual(a, b) }
