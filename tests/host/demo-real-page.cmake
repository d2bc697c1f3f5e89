# demo-real-page.cmake - `ccgc demo` on a real, large page finishes with its
# picture (ctest host/demo-real-page, issue 16): the Bash Reference Manual
# from Debian's bash-doc (tests/host/test-real-page.c checks its DOM). Run as
#   cmake -DCCGC=path/to/ccgc -DPAGE=page.html -DOUT=dir -P demo-real-page.cmake
# The test's TIMEOUT (tests/CMakeLists.txt) holds it to 30 seconds.
foreach(variable CCGC PAGE OUT)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "demo-real-page: -D${variable}=... is missing")
  endif()
endforeach()
if(NOT EXISTS ${PAGE})
  message(FATAL_ERROR "demo-real-page: ${PAGE} is missing: Debian's bash-doc package "
                      "(tools/install-deps.sh installs it)")
endif()
file(REMOVE_RECURSE ${OUT})
string(TIMESTAMP start "%s")
execute_process(COMMAND ${CCGC} demo --quiet --out ${OUT} ${PAGE}
                RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(TIMESTAMP end "%s")
math(EXPR seconds "${end} - ${start}")
message("ccgc demo ${PAGE}: exit ${result} after about ${seconds} s\n${out}${err}")
if(NOT result EQUAL 0)
  message(FATAL_ERROR "demo-real-page: ccgc demo exited ${result}")
endif()
# The whole page was loaded (thousands of elements), and the scenario ran.
if(NOT out MATCHES ": ([0-9]+) elements, ([0-9]+) text nodes")
  message(FATAL_ERROR "demo-real-page: no element count in the output")
endif()
if(CMAKE_MATCH_1 LESS 10000)
  message(FATAL_ERROR "demo-real-page: only ${CMAKE_MATCH_1} elements loaded")
endif()
if(NOT out MATCHES "held only through cross-heap cycles reclaimed: yes")
  message(FATAL_ERROR "demo-real-page: the detached subtree was not reclaimed")
endif()
# The picture: both files, the SVG a real drawing with the demo's nodes and
# the budget's summary nodes.
foreach(file heap.dot heap.svg)
  if(NOT EXISTS ${OUT}/${file})
    message(FATAL_ERROR "demo-real-page: ${OUT}/${file} was not written")
  endif()
endforeach()
file(SIZE ${OUT}/heap.svg svg_size)
if(svg_size LESS 20000)
  message(FATAL_ERROR "demo-real-page: heap.svg has only ${svg_size} bytes")
endif()
file(READ ${OUT}/heap.svg svg)
foreach(expected "<svg" "#tooltip" "more HTMLElement" "</svg>")
  string(FIND "${svg}" "${expected}" at)
  if(at LESS 0)
    message(FATAL_ERROR "demo-real-page: heap.svg has no '${expected}'")
  endif()
endforeach()
# `ccgc dot` renders the same page within the same TIMEOUT: without
# --max-nodes, rendering in process draws at most 1000 objects (Graphviz
# would lay the whole page out for minutes).
execute_process(COMMAND ${CCGC} dot --page ${PAGE} --out ${OUT}/dot.dot --svg ${OUT}/dot.svg
                RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "demo-real-page: ccgc dot exited ${result}: ${err}")
endif()
if(NOT out MATCHES ": 1000 of ([0-9]+) objects drawn")
  message(FATAL_ERROR "demo-real-page: ccgc dot did not keep to 1000 objects: ${out}")
endif()
if(NOT EXISTS ${OUT}/dot.svg)
  message(FATAL_ERROR "demo-real-page: ${OUT}/dot.svg was not written")
endif()
