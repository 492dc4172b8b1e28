# -*- Python -*-
import os
import shutil

import lit.formats
from lit.llvm import llvm_config

config.name = "MC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".py"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "Inputs", "CMakeLists.txt", "lib"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mc_obj_root, "test")

llvm_config.with_system_environment(["HOME", "PATH", "PYTHONPATH"])
llvm_config.use_default_substitutions()

python = config.python_executable or shutil.which("python3")
# Ahead of lit's own %python (the interpreter running lit): tests need the
# python3 that has numpy.
config.substitutions.insert(0, ("%python", python))
config.substitutions.append(("%mc_lib", config.mc_lib_dir))
config.substitutions.append(("%mlir_lib", config.mlir_lib_dir))
config.substitutions.append(("%mc_obj_root", config.mc_obj_root))
config.substitutions.append(("%mlir_opt", os.path.join(config.llvm_tools_dir, "mlir-opt")))
config.substitutions.append(("%mc_plugin", os.path.join(config.mc_lib_dir, "MCPlugin.so")))
# The tests' helpers (test/lib) and mc's Python package (python/).
config.environment["PYTHONPATH"] = os.pathsep.join(
    [os.path.join(config.test_source_root, "lib"),
     os.path.join(config.test_source_root, "..", "python")]
    + ([os.environ["PYTHONPATH"]] if "PYTHONPATH" in os.environ else []))

tools = ["mc-opt", "mc-run", "mc-compile"]
llvm_config.add_tool_substitutions(tools, [config.mc_tools_dir])
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.mc_tools_dir, append_path=True)

# GPU tests: the CUDA toolkit's ptxas (compile only; no GPU is needed) and
# cuobjdump from PyPI's nvidia-cuda-cuobjdump (installed by scripts/setup.sh).
def find_cuda_tool(name):
    found = shutil.which(name) or shutil.which(
        name, path=os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "bin"))
    if found:
        return found
    import subprocess
    try:
        out = subprocess.run([python, "-c", "import glob, nvidia; print(*[p for d in nvidia.__path__ "
                              "for p in glob.glob(d + '/*/bin/" + name + "')])"],
                             capture_output=True, text=True, timeout=60).stdout.split()
    except OSError:
        out = []
    return out[0] if out else None

for tool in ["ptxas", "cuobjdump"]:
    path = find_cuda_tool(tool)
    if path:
        config.available_features.add(tool)
        config.substitutions.append(("%" + tool, path))

# A usable NVIDIA GPU (driver and device); tests of the no-GPU paths skip.
def has_cuda_device():
    import ctypes
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
        count = ctypes.c_int(0)
        return cuda.cuInit(0) == 0 and cuda.cuDeviceGetCount(ctypes.byref(count)) == 0 and count.value > 0
    except OSError:
        return False

if has_cuda_device():
    config.available_features.add("cuda-device")
