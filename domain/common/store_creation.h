#pragma once

namespace staylab {

// Whether opening a store may create it. leveldb's Options::create_if_missing
// is the model: an adapter opened with OpenExisting finds the store it expects
// or fails naming what is missing, and never leaves new files behind; only an
// explicit initialisation passes CreateIfMissing.
enum class StoreCreation {
  OpenExisting,     // The store must exist and hold its schema. The default everywhere.
  CreateIfMissing,  // Create the store (and its schema) when it is absent.
};

}  // namespace staylab
