package scent

// The vocabulary is the vector's layout: a name's index in its list is its
// slot. Appending a name moves the hashed buckets, so any change here is a
// new VectorVersion (and a rebuilt index).

// VectorVersion names the layout of vocab.go and Vectorize. The index of
// each version is its own collection and its own projector (View).
const VectorVersion = 1

func knownNotes() []string {
	return []string{
		// citrus, spice and fresh openings
		"bergamot", "lemon", "pink pepper", "saffron", "cardamom", "mandarin", "grapefruit", "lavender", "neroli",
		"apple", "blackcurrant", "ginger", "mint", "elemi", "black pepper", "pineapple", "peach", "plum", "lime", "sage",
		// florals and warm spices
		"rose", "taif rose", "jasmine", "orange blossom", "iris", "tuberose", "geranium", "violet", "cinnamon", "nutmeg",
		"lily of the valley", "ylang ylang", "clove", "davana",
		// woods, resins, musks and gourmands
		"oud", "sandalwood", "amber", "musk", "vanilla", "patchouli", "vetiver", "cedarwood", "leather", "tonka bean",
		"benzoin", "labdanum", "frankincense", "myrrh", "ambergris", "coffee", "tobacco", "honey", "caramel",
		"cashmeran", "papyrus", "birch",
	}
}

func knownAccords() []string {
	return []string{"woody", "oud", "amber", "floral", "rose", "musky", "sweet", "warm spicy", "fresh", "citrus",
		"leather", "smoky", "powdery", "balsamic", "fruity", "aromatic", "vanilla", "fresh spicy", "earthy", "green",
		"aquatic", "gourmand", "animalic", "white floral"}
}

func oudTypes() []string {
	return []string{"cambodi", "hindi", "assam", "malaysian", "thai", "burmese", "papua"}
}

func seasons() []string { return []string{"winter", "spring", "summer", "autumn"} }

func occasions() []string {
	return []string{"daily", "evening", "office", "wedding", "ramadan", "eid", "date night"}
}

func longevities() []string { return []string{"weak", "moderate", "long lasting", "eternal"} }
func sillages() []string    { return []string{"intimate", "moderate", "strong", "enormous"} }

// alias resolves spellings shoppers and vendors use for a named entry (a
// switch, not a map: Normalize runs in every filter test and allocates
// nothing).
func alias(s string) string {
	switch s {
	case "agarwood", "oudh", "aoud", "oud wood", "dehn al oud", "dahn al oud":
		return "oud"
	case "sandal":
		return "sandalwood"
	case "cedar":
		return "cedarwood"
	case "tonka":
		return "tonka bean"
	case "orris":
		return "iris"
	case "olibanum", "incense", "bakhoor":
		return "frankincense"
	case "ylang":
		return "ylang ylang"
	case "damask rose":
		return "rose"
	case "rose de taif":
		return "taif rose"
	case "white musk":
		return "musk"
	case "lily", "muguet":
		return "lily of the valley"
	case "orange flower":
		return "orange blossom"
	case "black currant", "cassis":
		return "blackcurrant"
	case "eid al fitr":
		return "eid"
	case "spicy":
		return "warm spicy"
	case "musk accord":
		return "musky"
	}
	return s
}

// Block sizes.
const (
	noteHash   = 8
	accordHash = 8
)
