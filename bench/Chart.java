import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** Draws bench/inbound_bench.py's CSV: throughput and p99 against concurrency, gateway and PostgreSQL. */
public class Chart {
    public static void main(String[] args) throws Exception {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(args[0])).subList(1, Files.readAllLines(Path.of(args[0])).size())) {
            String[] f = line.split(",", -1);
            series.computeIfAbsent(f[0], k -> new ArrayList<>()).add(new double[] {Double.parseDouble(f[1]),
                    Double.parseDouble(f[2]), f[3].isEmpty() ? Double.NaN : Double.parseDouble(f[3])});
        }
        XYChart throughput = new XYChartBuilder().width(700).height(420).title("Throughput")
                .xAxisTitle("concurrency").yAxisTitle("per second").build();
        XYChart p99 = new XYChartBuilder().width(700).height(420).title("Acknowledgement p99")
                .xAxisTitle("concurrency").yAxisTitle("ms").build();
        series.forEach((name, points) -> {
            throughput.addSeries(name, points.stream().mapToDouble(p -> p[0]).toArray(),
                    points.stream().mapToDouble(p -> p[1]).toArray());
            if (!Double.isNaN(points.get(0)[2])) {
                p99.addSeries(name, points.stream().mapToDouble(p -> p[0]).toArray(),
                        points.stream().mapToDouble(p -> p[2]).toArray());
            }
        });
        String out = args[1].replaceAll("\\.png$", "");
        BitmapEncoder.saveBitmap(List.of(throughput, p99), 1, 2, out, BitmapEncoder.BitmapFormat.PNG);
    }
}
