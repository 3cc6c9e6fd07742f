// Package productq reads the product detail view and serves it through the
// cache: Reader reads the SQL rows, Cached reads through a cache.Cache
// (5-minute entries stamped with the product stream's revision, refused
// when older than the last invalidation) and adds each SKU's available
// stock, which a projector keeps in the cache as counters (CacheStock) or,
// without a cache fed in this process, the inventory view (stockq).
// It names the view's table and the cache's keys, which the projectors
// writing them share.
//
// Staleness: a cached detail is never older than the product's last event
// once the cache projector handled that event (it invalidates with the
// event's revision, and the floor refuses an older fill); so a price or
// detail is at most the cache projector's lag old, plus the products
// view's lag after an invalidation (the miss reads the view). Stock is
// read on every request from the counters: the stock projector's lag.
//
// It imports the standard library and internal/cache only.
package productq
