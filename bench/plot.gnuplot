# Chart of docs/benchmarks.md (bench/run_all.sh draws it): end-to-end throughput as grouped
# bars, one group per message size, one bar per stack, MB/s on a logarithmic axis (the stacks
# differ by more than a factor of ten at some sizes).
#
#   gnuplot -e "datafile='throughput.dat'; outfile='benchmarks.png'; charttitle='...'; stacks=5" \
#     plot.gnuplot
#
# datafile: a header line (size, then one quoted stack name per column), then one line per
# message size: the quoted size label and the MB/s of each stack.
if (!exists("datafile")) datafile = 'throughput.dat'
if (!exists("outfile")) outfile = 'benchmarks.png'
if (!exists("charttitle")) charttitle = 'Loopback throughput'
if (!exists("stacks")) stacks = 5

set terminal pngcairo size 1000,600 enhanced font 'DejaVu Sans,10'
set output outfile
set title charttitle
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y 10
set yrange [1:*]
set ylabel 'MB/s of payload (10^6 bytes), log scale'
set xlabel 'message size'
set grid ytics mytics
set key below horizontal maxrows 3 Left reverse width 2 noenhanced
set xtics nomirror
set ytics nomirror

plot for [i=2:stacks+1] datafile using i:xtic(1) title columnheader(i) \
  lc rgbcolor word("#1f77b4 #2ca02c #98df8a #ff7f0e #d62728", i-1)
