// Whether a function transform is tracing in this thread. An array built from traced
// values is a tracer only while a transform runs; after it returns, the transform's outputs
// are ordinary arrays, so eval detaches them and a training loop's memory stays flat.
#pragma once

namespace mlx::core::detail {

inline thread_local int tracing_depth = 0;

// Whether a transform (vjp, jvp, vmap, ...) is running in this thread.
inline bool in_tracing() { return tracing_depth > 0; }

// Marks the scope of a transform's tracing (nests).
struct TracingScope {
  TracingScope() { ++tracing_depth; }
  ~TracingScope() { --tracing_depth; }
  TracingScope(const TracingScope&) = delete;
  TracingScope& operator=(const TracingScope&) = delete;
};

} // namespace mlx::core::detail
