# Regression benchmarking in CI (README.md, "Regression benchmarking in CI"): the tests of the
# tools (label scripts) and the two gates plus the proof that the
# instruction gate trips (label gate).  Included by scripts/CMakeLists.txt.

# The interpreter from scripts/find-python.sh, the project's one way of
# finding Python (a pyenv python3 earlier on PATH may lack Debian's pytest).
# These tools need the standard library and pytest only.
set(_regress_dir ${CMAKE_CURRENT_LIST_DIR})
set(_regress_scripts ${CMAKE_CURRENT_LIST_DIR}/..)
execute_process(COMMAND ${_regress_scripts}/find-python.sh --bare --with pytest
                OUTPUT_VARIABLE URT_REGRESS_PYTHON RESULT_VARIABLE _regress_no_pytest
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)

# The gates measure the build they run in.  Sanitizers change every count
# and every ratio, so such builds get no gate tests at all.
string(TOUPPER "${CMAKE_BUILD_TYPE}" _regress_bt)
string(FIND "${CMAKE_C_FLAGS} ${CMAKE_C_FLAGS_${_regress_bt}} ${CMAKE_EXE_LINKER_FLAGS}" "-fsanitize"
       _regress_sanitized)
# main.sh's real stages run against a release tree only (URT_BUILD_DIR);
# in a sanitizer build those tests skip and the rest still run.
set(_regress_build_env "")
if(_regress_sanitized EQUAL -1)
  set(_regress_build_env "URT_BUILD_DIR=${CMAKE_BINARY_DIR}")
endif()

# One ctest test per pytest file, so a failure names the tool.
# main_sh runs scripts/main.sh --quick against this build (URT_BUILD_DIR).
foreach(_t compare compare_ab export_metrics gate_ratios gate_instructions main_sh ab_sh update_baseline
           conftest_skip)
  if(NOT EXISTS ${_regress_dir}/test_${_t}.py)
    continue()
  endif()
  if(URT_REGRESS_PYTHON AND _regress_no_pytest EQUAL 0)
    add_test(NAME regress-${_t}
             COMMAND ${URT_REGRESS_PYTHON} -m pytest -q -p no:cacheprovider ${_regress_dir}/test_${_t}.py)
  else()
    add_test(NAME regress-${_t} COMMAND sh -c "echo 'SKIP: no python3 with pytest'; exit 77")
  endif()
  # 300 s: under a load average of 17 compare_ab took 151 s (it builds); idle, far less.
  set_tests_properties(regress-${_t} PROPERTIES LABELS scripts TIMEOUT 300 SKIP_RETURN_CODE 77
                       ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1;${_regress_build_env}")
endforeach()

if(URT_REGRESS_PYTHON AND _regress_sanitized EQUAL -1)
  # What makes instruction counts comparable; the baseline records it and
  # the gate skips (77) in a tree configured differently (Debug, ucontext...).
  set(_regress_build_config
      "${CMAKE_BUILD_TYPE} context=${URT_CONTEXT} faults=${URT_FAULT_POINTS} cflags=${CMAKE_C_FLAGS}")
  set(_regress_baseline ${CMAKE_SOURCE_DIR}/results/baseline)

  if(TARGET urt-micro)
    add_test(NAME gate-instructions
             COMMAND ${URT_REGRESS_PYTHON} ${_regress_scripts}/gate_instructions.py
                     --micro $<TARGET_FILE:urt-micro>
                     --baseline ${_regress_baseline}/instructions.json
                     --build-config "${_regress_build_config}"
                     --compiler "${CMAKE_C_COMPILER_ID} ${CMAKE_C_COMPILER_VERSION}")
    set_tests_properties(gate-instructions PROPERTIES LABELS gate TIMEOUT 120 SKIP_RETURN_CODE 77)
    # The same arguments for scripts/update-baseline.sh, one per line.
    file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/regress/gate-instructions.args CONTENT
"--micro
$<TARGET_FILE:urt-micro>
--build-config
${_regress_build_config}
--compiler
${CMAKE_C_COMPILER_ID} ${CMAKE_C_COMPILER_VERSION}
")

    # Builds urt-micro again with URT_DEBUG_SLOWDOWN and checks the gate fails.
    add_test(NAME gate-instructions-trips
             COMMAND ${URT_REGRESS_PYTHON} ${_regress_dir}/test_gate_slowdown.py)
    set_tests_properties(gate-instructions-trips PROPERTIES LABELS gate TIMEOUT 600 SKIP_RETURN_CODE 77
      ENVIRONMENT "URT_SOURCE_DIR=${CMAKE_SOURCE_DIR};URT_SLOW_BUILD_DIR=${CMAKE_BINARY_DIR}/regress-slowdown;URT_MICRO=$<TARGET_FILE:urt-micro>;URT_BASELINE=${_regress_baseline}/instructions.json;URT_BUILD_TYPE=${CMAKE_BUILD_TYPE};URT_C_COMPILER=${CMAKE_C_COMPILER};URT_C_FLAGS=${CMAKE_C_FLAGS};URT_CONTEXT=${URT_CONTEXT};URT_FAULT_POINTS=${URT_FAULT_POINTS};CMAKE_COMMAND=${CMAKE_COMMAND}")
  endif()

  if(TARGET urt-bench)
    add_test(NAME gate-ratios
             COMMAND ${URT_REGRESS_PYTHON} ${_regress_scripts}/gate_ratios.py
                     --bench $<TARGET_FILE:urt-bench> --baseline ${_regress_baseline}/ratios.json)
    # Alone on the machine: a ratio measured next to other tests is noisier.
    set_tests_properties(gate-ratios PROPERTIES LABELS gate TIMEOUT 180 RUN_SERIAL TRUE)
    file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/regress/gate-ratios.args CONTENT "--bench
$<TARGET_FILE:urt-bench>
")
  endif()
endif()
