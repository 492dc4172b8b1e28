//===- Npy.cpp - minimal .npy reader and writer ---------------------------===//

#include "Npy.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>

using namespace llvm;
using namespace mc;

AlignedBuffer::AlignedBuffer(size_t bytes) : bytes(bytes) {
  // aligned_alloc needs a multiple of the alignment and a non-zero size.
  size_t rounded = std::max<size_t>(64, (bytes + 63) / 64 * 64);
  storage.reset(static_cast<char *>(std::aligned_alloc(64, rounded)));
  if (!storage)
    report_fatal_error("out of memory");
  std::memset(storage.get(), 0, rounded);
}

void AlignedBuffer::Free::operator()(char *p) const { std::free(p); }

int64_t NpyArray::getNumElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string mc::formatShape(ArrayRef<int64_t> shape) {
  std::string s = "(";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") + std::to_string(d);
  return s + (shape.size() == 1 ? ",)" : ")");
}

static Error npyError(StringRef path, const Twine &message) {
  return createStringError(inconvertibleErrorCode(),
                           Twine(path) + ": " + message);
}

/// Finds `'key':` in the header dict and returns what follows, trimmed.
static std::optional<StringRef> findValue(StringRef header, StringRef key) {
  size_t pos = header.find(("'" + key + "'").str());
  if (pos == StringRef::npos)
    return std::nullopt;
  StringRef rest = header.drop_front(pos + key.size() + 2).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  return rest.ltrim();
}

/// Bytes per element of a normalized descr, or 0 if unsupported.
static size_t getElementSize(StringRef descr) {
  unsigned size;
  if (descr.size() < 3 || descr.drop_front(2).getAsInteger(10, size))
    return 0;
  return StringRef("fiubV").contains(descr[1]) ? size : 0;
}

Expected<NpyArray> mc::readNpy(StringRef path) {
  auto bufferOrErr = MemoryBuffer::getFile(path, /*IsText=*/false,
                                           /*RequiresNullTerminator=*/false);
  if (std::error_code ec = bufferOrErr.getError())
    return npyError(path, "cannot read: " + ec.message());
  StringRef bytes = (*bufferOrErr)->getBuffer();

  if (!bytes.consume_front("\x93NUMPY"))
    return npyError(path, "not a .npy file (bad magic)");
  if (bytes.size() < 2)
    return npyError(path, "truncated header");
  unsigned major = static_cast<unsigned char>(bytes[0]);
  bytes = bytes.drop_front(2);
  if (major < 1 || major > 3)
    return npyError(path, "unsupported .npy version " + Twine(major));
  size_t lenBytes = major == 1 ? 2 : 4;
  if (bytes.size() < lenBytes)
    return npyError(path, "truncated header");
  size_t headerLen = 0;
  for (size_t i = 0; i < lenBytes; ++i)
    headerLen |= size_t(static_cast<unsigned char>(bytes[i])) << (8 * i);
  bytes = bytes.drop_front(lenBytes);
  if (bytes.size() < headerLen)
    return npyError(path, "truncated header");
  StringRef header = bytes.take_front(headerLen);
  bytes = bytes.drop_front(headerLen);

  NpyArray array;
  std::optional<StringRef> descr = findValue(header, "descr");
  if (!descr || descr->empty() || (*descr)[0] != '\'')
    return npyError(path, "header has no simple 'descr' (structured dtypes "
                          "are not supported)");
  StringRef d = descr->drop_front().take_until([](char c) { return c == '\''; });
  char order = d.empty() ? 0 : d[0];
  if (order == '>' && d != ">i1" && d != ">u1" && d != ">b1")
    return npyError(path, "big-endian dtype '" + d + "' is not supported");
  if (order != '<' && order != '|' && order != '=' && order != '>')
    return npyError(path, "unsupported dtype '" + d + "'");
  array.descr = ((d.substr(1) == "i1" || d.substr(1) == "u1" ||
                  d.substr(1) == "b1")
                     ? "|"
                     : "<") +
                d.substr(1).str();
  size_t elementSize = getElementSize(array.descr);
  if (!elementSize)
    return npyError(path, "unsupported dtype '" + d + "'");

  std::optional<StringRef> fortran = findValue(header, "fortran_order");
  if (!fortran)
    return npyError(path, "header has no 'fortran_order'");
  if (fortran->starts_with("True"))
    return npyError(path, "Fortran-order arrays are not supported; save a "
                          "C-contiguous array");
  if (!fortran->starts_with("False"))
    return npyError(path, "malformed 'fortran_order'");

  std::optional<StringRef> shape = findValue(header, "shape");
  if (!shape || !shape->consume_front("("))
    return npyError(path, "header has no 'shape' tuple");
  StringRef dims = shape->take_until([](char c) { return c == ')'; });
  if (dims.size() == shape->size())
    return npyError(path, "malformed 'shape'");
  SmallVector<StringRef> parts;
  dims.split(parts, ',');
  for (StringRef part : parts) {
    part = part.trim();
    if (part.empty())
      continue;
    int64_t dim;
    if (part.getAsInteger(10, dim) || dim < 0)
      return npyError(path, "malformed 'shape' entry '" + part + "'");
    array.shape.push_back(dim);
  }

  // Guard the product against overflow before comparing with the file.
  uint64_t expected = elementSize;
  for (int64_t dim : array.shape) {
    if (dim && expected > (uint64_t(1) << 50) / uint64_t(dim))
      return npyError(path, "shape " + formatShape(array.shape) +
                                " is too large");
    expected *= dim;
  }
  if (bytes.size() < expected)
    return npyError(path, "truncated data: shape " + formatShape(array.shape) +
                              " of '" + d + "' needs " + Twine(expected) +
                              " bytes, the file has " + Twine(bytes.size()));
  if (bytes.size() > expected)
    return npyError(path, "has " + Twine(bytes.size() - expected) +
                              " bytes of trailing data");
  array.data = std::make_unique<AlignedBuffer>(expected);
  std::memcpy(array.data->data(), bytes.data(), expected);
  return array;
}

Error mc::writeNpy(StringRef path, StringRef descr, ArrayRef<int64_t> shape,
                   const char *data, size_t bytes) {
  std::string header = "{'descr': '" + descr.str() +
                       "', 'fortran_order': False, 'shape': " +
                       formatShape(shape) + ", }";
  // Magic (6) + version (2) + length (2) + header + '\n', padded to 64.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';

  std::error_code ec;
  raw_fd_ostream os(path, ec, sys::fs::OF_None);
  if (ec)
    return npyError(path, "cannot write: " + ec.message());
  os << "\x93NUMPY" << char(1) << char(0) << char(header.size() & 0xff)
     << char(header.size() >> 8) << header;
  os.write(data, bytes);
  os.close();
  if (os.has_error())
    return npyError(path, "write failed: " + os.error().message());
  return Error::success();
}
