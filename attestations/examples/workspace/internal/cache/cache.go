package cache

// Get returns the cached value for key.
func Get(key string) {}
