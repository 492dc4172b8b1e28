#!/usr/bin/env python3
"""Static figures of mc's GPU kernels, no GPU needed.

Compiles GEMMs with `mc-compile --target=nvptx64-nvidia-cuda --emit=ptx`,
assembles them with the CUDA toolkit's `ptxas -v` for each chip and
disassembles them with `cuobjdump -sass` (PyPI nvidia-cuda-cuobjdump), then
prints per kernel: registers, shared memory, spills, tensor-core
instructions and resident blocks per SM (limited by registers, shared
memory, threads). `--check` exits 1 unless every kernel has no spills and
room for 2 blocks per SM, and every tensor-core GEMM kernel has tensor-core
instructions.

    python3 bench/gpu_kernels.py [--chips sm_80,sm_90] [--check]
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("MC_BIN", os.path.join(HERE, "..", "build", "bin"))

# Per SM (CUDA C Programming Guide, "Technical Specifications per Compute
# Capability"): registers, max shared memory per SM (bytes), max threads,
# max blocks.
SM_LIMITS = {"sm_80": (65536, 164 * 1024, 2048, 32),
             "sm_86": (65536, 100 * 1024, 1536, 16),
             "sm_89": (65536, 100 * 1024, 1536, 24),
             "sm_90": (65536, 228 * 1024, 2048, 32)}
THREADS = 128  # mc's GEMM blocks: 2x2 warps


def find_tool(name):
    path = shutil.which(name) or shutil.which(name, path="/usr/local/cuda/bin")
    if path:
        return path
    try:
        import nvidia
        for d in nvidia.__path__:
            hits = glob.glob(os.path.join(d, "*", "bin", name))
            if hits:
                return hits[0]
    except ImportError:
        pass
    return None


def gemm(name, m, k, n, a_t, acc_t, requant=False, sparse=False):
    """MLIR text of a GEMM with a constant (weight) B; with `sparse`, B is
    2:4 along K: an i8 constant with zeros, or f16 pruned by --mc-prune."""
    rng = np.random.default_rng(0)
    if a_t == "i8":
        w = rng.integers(-128, 128, (k, n), dtype=np.int8)
        if sparse:
            w.reshape(k // 4, 4, n)[:, 2:, :] = 0
    else:
        w = rng.standard_normal((k, n)).astype(np.float16)
        if a_t == "bf16":  # the upper halves of f32 bit patterns
            w = (w.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
    hexw = 'dense<"0x' + w.tobytes().hex().upper() + '">'
    zero = "0" if acc_t.startswith("i") else "0.0"
    out_t = "i8" if requant else acc_t
    text = f"""
func.func @{name}(%a: tensor<{m}x{k}x{a_t}>) -> tensor<{m}x{n}x{out_t}> {{
  %w = arith.constant {hexw} : tensor<{k}x{n}x{a_t}>
  %z = arith.constant {zero} : {acc_t}
  %e = tensor.empty() : tensor<{m}x{n}x{acc_t}>
  %i = linalg.fill ins(%z : {acc_t}) outs(%e : tensor<{m}x{n}x{acc_t}>) -> tensor<{m}x{n}x{acc_t}>
  %acc = linalg.matmul ins(%a, %w : tensor<{m}x{k}x{a_t}>, tensor<{k}x{n}x{a_t}>)
                       outs(%i : tensor<{m}x{n}x{acc_t}>) -> tensor<{m}x{n}x{acc_t}>
"""
    if not requant:
        text += f"  return %acc : tensor<{m}x{n}x{acc_t}>\n}}\n"
        if sparse and a_t != "i8":
            return subprocess.run([os.path.join(BIN, "mc-opt"),
                                   "--mc-prune=mode=nm n=2 m=4"], input=text,
                                  text=True, check=True,
                                  capture_output=True).stdout
        return text
    return text + f"""  %s = arith.constant dense<0.01> : tensor<{n}xf32>
  %b = arith.constant dense<0.5> : tensor<{n}xf32>
  %o = tensor.empty() : tensor<{m}x{n}xi8>
  %y = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>,
      affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (j)>,
      affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}}
      ins(%acc, %s, %b : tensor<{m}x{n}xi32>, tensor<{n}xf32>, tensor<{n}xf32>)
      outs(%o : tensor<{m}x{n}xi8>) {{
  ^bb0(%x: i32, %sc: f32, %bi: f32, %out: i8):
    %xf = arith.sitofp %x : i32 to f32
    %v = arith.mulf %xf, %sc : f32
    %vb = arith.addf %v, %bi : f32
    %lo = arith.constant 0.0 : f32
    %hi = arith.constant 127.0 : f32
    %c1 = arith.maximumf %vb, %lo : f32
    %c2 = arith.minimumf %c1, %hi : f32
    %r = math.roundeven %c2 : f32
    %q = arith.fptosi %r : f32 to i8
    linalg.yield %q : i8
  }} -> tensor<{m}x{n}xi8>
  return %y : tensor<{m}x{n}xi8>
}}
"""


def int4_gemv(name, m, k, n):
    """A matmul with an f32 weight quantized by mc to int4, groups of 32."""
    w = np.random.default_rng(0).standard_normal((k, n)).astype(np.float32)
    hexw = 'dense<"0x' + w.tobytes().hex().upper() + '">'
    text = f"""
func.func @{name}(%x: tensor<{m}x{k}xf32>) -> tensor<{m}x{n}xf32> {{
  %w = arith.constant {hexw} : tensor<{k}x{n}xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{m}x{n}xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  %y = linalg.matmul ins(%x, %w : tensor<{m}x{k}xf32>, tensor<{k}x{n}xf32>)
                     outs(%i : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  return %y : tensor<{m}x{n}xf32>
}}
"""
    return subprocess.run([os.path.join(BIN, "mc-opt"),
                           "--mc-quantize=bits=4 granularity=group group-size=32"],
                          input=text, text=True, check=True,
                          capture_output=True).stdout


KERNELS = [
    ("int8_gemm_i32", 512, 768, 768, "i8", "i32", False, "IMMA"),
    ("int8_gemm_requant_relu", 512, 768, 768, "i8", "i32", True, "IMMA"),
    ("f16_gemm_f32", 512, 768, 768, "f16", "f32", False, "HMMA"),
    ("f16_gemm_f16", 512, 768, 768, "f16", "f16", False, "HMMA"),
    ("bf16_gemm_f32", 512, 768, 768, "bf16", "f32", False, "HMMA"),
    # 2:4 sparse weights: sparse tensor cores (mma.sp).
    ("int8_24_gemm_i32", 512, 768, 768, "i8", "i32", False, "IMMA.SP"),
    ("int8_24_gemm_requant_relu", 512, 768, 768, "i8", "i32", True, "IMMA.SP"),
    ("f16_24_gemm_f32", 512, 768, 768, "f16", "f32", False, "HMMA.SP"),
    ("bf16_24_gemm_f32", 512, 768, 768, "bf16", "f32", False, "HMMA.SP"),
    # Weight-only int4 GEMV: CUDA cores (FMUL/FADD), no tensor cores.
    ("int4_gemv", 1, 1024, 1024, "int4", None, False, None),
]


def parse_ptxas(log):
    """{kernel: (registers, shared bytes, spill stores, spill loads)}."""
    result, current = {}, None
    for line in log.splitlines():
        m = re.search(r"Compiling entry function '(\w+)'", line)
        if m:
            current = m.group(1)
        m = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if m and current:
            result.setdefault(current, [0, 0, 0, 0])[2:] = map(int, m.groups())
        m = re.search(r"Used (\d+) registers", line)
        if m and current:
            entry = result.setdefault(current, [0, 0, 0, 0])
            entry[0] = int(m.group(1))
            s = re.search(r"(\d+) bytes smem", line)
            entry[1] = int(s.group(1)) if s else 0
    return result


def blocks_per_sm(chip, regs, smem):
    reg_file, smem_sm, max_threads, max_blocks = SM_LIMITS[chip]
    # Registers are allocated per warp in units of 256.
    regs_per_warp = -(-regs * 32 // 256) * 256
    by_regs = reg_file // (regs_per_warp * (THREADS // 32))
    # Each block also reserves 1 KB of shared memory for the system.
    by_smem = smem_sm // (smem + 1024) if smem else max_blocks
    return min(by_regs, by_smem, max_threads // THREADS, max_blocks)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chips", default="sm_80,sm_90")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    ptxas, cuobjdump = find_tool("ptxas"), find_tool("cuobjdump")
    if not ptxas or not cuobjdump:
        print("needs ptxas (CUDA toolkit) and cuobjdump (pip install "
              "nvidia-cuda-cuobjdump)")
        return 1
    ok = True
    print(f"{'kernel':30} {'chip':6} {'regs':>5} {'smem B':>7} {'spill B':>8} "
          f"{'tensor-core SASS':24} {'blocks/SM':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, m, k, n, a_t, acc_t, requant, mma in KERNELS:
            src = os.path.join(tmp, name + ".mlir")
            with open(src, "w") as f:
                f.write(int4_gemv(name, m, k, n) if a_t == "int4" else
                        gemm(name, m, k, n, a_t, acc_t, requant,
                             sparse=".SP" in mma))
            for chip in args.chips.split(","):
                ptx = os.path.join(tmp, f"{name}_{chip}.ptx")
                cubin = ptx[:-4] + ".cubin"
                subprocess.run([os.path.join(BIN, "mc-compile"), src,
                                "--target=nvptx64-nvidia-cuda", "--mcpu=" + chip,
                                "--emit=ptx", "-o", ptx], check=True)
                run = subprocess.run([ptxas, "-arch=" + chip, "-O3", "-v", ptx,
                                      "-o", cubin], capture_output=True, text=True)
                if run.returncode:
                    sys.exit(f"ptxas failed on {name} for {chip}:\n{run.stderr}")
                log = run.stderr
                sass = subprocess.run([cuobjdump, "-sass", cubin], check=True,
                                      capture_output=True, text=True).stdout
                # Per kernel: the SASS between its "Function :" headers.
                bodies = dict(re.findall(r"Function : (\w+)\n(.*?)(?=Function :|\Z)",
                                         sass, re.S))
                for kernel, (regs, smem, st, ld) in sorted(parse_ptxas(log).items()):
                    ops = re.findall(r"\b(" + re.escape(mma) + r"[.\w]*)",
                                     bodies.get(kernel, "")) if mma else []
                    kinds = sorted(set(ops))
                    tc = f"{len(ops)}x {','.join(kinds)}" if ops else "-"
                    blocks = blocks_per_sm(chip, regs, smem)
                    print(f"{kernel:30} {chip:6} {regs:5} {smem:7} {st + ld:8} "
                          f"{tc:24} {blocks:9}")
                    ok &= st + ld == 0
                    ok &= blocks >= 2
                    # The GEMM kernel is the one with staging buffers.
                    if smem:
                        ok &= bool(ops) and blocks >= 2
    print("check:", "ok" if ok else "FAILED")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
