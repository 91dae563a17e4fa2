# bench/train_subnet.gp - the plot of bench/train_subnet.sh: held-out loss
# (nats per byte, mean over seeds) against windows for the training subnet
# and the three baselines of training-subnet.md §7.8, each at its tuned lr.
# usage: gnuplot -e "outfile='docs/train_subnet_t1.png'; dir='bench/out/train_subnet'" bench/train_subnet.gp
set terminal pngcairo size 900,560 font "sans,11"
set output outfile
if (!exists("label")) label = "T1, 4 miners, H 10, B 16"
set title sprintf("held-out loss: the subnet and its baselines (%s; mean over seeds)", label)
set xlabel "window (the centralized run: the same steps on 4x the batch)"
set ylabel "held-out loss (nats per byte)"
set grid
set key top right
if (!exists("ymin")) ymin = 1.4
if (!exists("ymax")) ymax = 3.2
set yrange [ymin:ymax]
lr(m) = system(sprintf("awk '$1 == \"%s\" { print $2 }' %s/curve-lrs.txt", m, dir))
plot dir."/curve-sparse.dat" using 1:2 with linespoints lw 2 pt 7 ps 0.6 title sprintf("subnet (sparse, lr %s)", lr("sparse")), \
     dir."/curve-dense.dat" using 1:2 with linespoints lw 2 pt 5 ps 0.6 title sprintf("dense averaging (lr %s)", lr("dense")), \
     dir."/curve-single.dat" using 1:2 with linespoints lw 2 pt 9 ps 0.6 title sprintf("single miner (lr %s)", lr("single")), \
     dir."/curve-central.dat" using 1:2 with linespoints lw 2 pt 11 ps 0.6 title sprintf("centralized, equal tokens (lr %s)", lr("central"))
