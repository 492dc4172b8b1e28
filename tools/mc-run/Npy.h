//===- Npy.h - minimal .npy reader and writer -------------------*- C++ -*-===//
//
// NumPy's format, versions 1.0-3.0, little-endian, C order, plain dtypes.
//
//===----------------------------------------------------------------------===//

#ifndef MC_TOOLS_MCRUN_NPY_H
#define MC_TOOLS_MCRUN_NPY_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>

namespace mc {

/// A 64-byte aligned buffer.
struct AlignedBuffer {
  explicit AlignedBuffer(size_t bytes);
  char *data() { return storage.get(); }
  const char *data() const { return storage.get(); }
  size_t size() const { return bytes; }

private:
  struct Free {
    void operator()(char *p) const;
  };
  std::unique_ptr<char, Free> storage;
  size_t bytes;
};

struct NpyArray {
  /// The dtype with its byte order normalized to '<' or '|', e.g. "<f4".
  std::string descr;
  llvm::SmallVector<int64_t> shape;
  std::unique_ptr<AlignedBuffer> data;

  int64_t getNumElements() const;
};

/// Reads `path`; every malformation is an error naming the file.
llvm::Expected<NpyArray> readNpy(llvm::StringRef path);

/// Writes a version 1.0 file.
llvm::Error writeNpy(llvm::StringRef path, llvm::StringRef descr,
                     llvm::ArrayRef<int64_t> shape, const char *data,
                     size_t bytes);

/// "(2, 3)" as Python prints shapes.
std::string formatShape(llvm::ArrayRef<int64_t> shape);

} // namespace mc

#endif // MC_TOOLS_MCRUN_NPY_H
