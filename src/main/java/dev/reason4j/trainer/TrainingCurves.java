package dev.reason4j.trainer;

import dev.reason4j.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/** Draws training curves from {@code metrics.jsonl} rows into a PNG: one small panel per metric, x = step. */
public final class TrainingCurves {
    private static final int PANEL_WIDTH = 420;
    private static final int PANEL_HEIGHT = 260;
    private static final int COLUMNS = 3;

    private TrainingCurves() {}

    /** A panel: its title and the metric keys it draws (each key one line). */
    public record Panel(String title, List<String> keys) {}

    public static void write(List<Map<String, Object>> rows, List<Panel> panels, String title, Path png)
            throws IOException {
        int rowsOfPanels = (panels.size() + COLUMNS - 1) / COLUMNS;
        int titleHeight = 36;
        BufferedImage image = new BufferedImage(PANEL_WIDTH * COLUMNS, titleHeight + PANEL_HEIGHT * rowsOfPanels,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString(title, 12, 25);
        for (int i = 0; i < panels.size(); i++) {
            drawPanel(g, rows, panels.get(i), (i % COLUMNS) * PANEL_WIDTH, titleHeight + (i / COLUMNS) * PANEL_HEIGHT);
        }
        g.dispose();
        Path tmp = AtomicFiles.temporarySibling(png);
        try {
            ImageIO.write(image, "png", tmp.toFile());
            AtomicFiles.replace(tmp, png);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static final Color[] LINE_COLORS = {
        new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), new Color(214, 39, 40)};

    private static void drawPanel(Graphics2D g, List<Map<String, Object>> rows, Panel panel, int x0, int y0) {
        int left = x0 + 55, right = x0 + PANEL_WIDTH - 15, top = y0 + 28, bottom = y0 + PANEL_HEIGHT - 30;
        List<List<double[]>> series = new ArrayList<>();
        double minX = Double.MAX_VALUE, maxX = -Double.MAX_VALUE, minY = Double.MAX_VALUE, maxY = -Double.MAX_VALUE;
        for (String key : panel.keys()) {
            List<double[]> points = new ArrayList<>();
            for (Map<String, Object> row : rows) {
                if (row.get(key) instanceof Number value && row.get("step") instanceof Number step
                        && Double.isFinite(value.doubleValue())) {
                    points.add(new double[] {step.doubleValue(), value.doubleValue()});
                    minX = Math.min(minX, step.doubleValue());
                    maxX = Math.max(maxX, step.doubleValue());
                    minY = Math.min(minY, value.doubleValue());
                    maxY = Math.max(maxY, value.doubleValue());
                }
            }
            series.add(points);
        }
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(panel.title(), x0 + 55, y0 + 18);
        g.setColor(new Color(120, 120, 120));
        g.drawRect(left, top, right - left, bottom - top);
        if (minX == Double.MAX_VALUE) {
            g.drawString("no data", left + 10, top + 20);
            return;
        }
        if (maxY - minY < 1e-9) {
            maxY += 0.5;
            minY -= 0.5;
        }
        if (maxX == minX) {
            maxX += 1;
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.drawString(format(maxY), x0 + 4, top + 10);
        g.drawString(format(minY), x0 + 4, bottom);
        g.drawString(format(minX), left, bottom + 14);
        g.drawString(format(maxX), right - 30, bottom + 14);
        g.drawString("step", (left + right) / 2 - 10, bottom + 14);
        for (int s = 0; s < series.size(); s++) {
            List<double[]> points = series.get(s);
            Color color = LINE_COLORS[s % LINE_COLORS.length];
            g.setColor(color);
            g.setStroke(new BasicStroke(1.8f));
            Path2D.Double path = new Path2D.Double();
            for (int p = 0; p < points.size(); p++) {
                double px = left + (points.get(p)[0] - minX) / (maxX - minX) * (right - left);
                double py = bottom - (points.get(p)[1] - minY) / (maxY - minY) * (bottom - top);
                if (p == 0) {
                    path.moveTo(px, py);
                } else {
                    path.lineTo(px, py);
                }
                if (points.size() < 40) {
                    g.fillOval((int) px - 2, (int) py - 2, 5, 5);
                }
            }
            g.draw(path);
            if (panel.keys().size() > 1) {
                g.drawString(panel.keys().get(s), right - 150, top + 14 + 13 * s);
            }
        }
        g.setStroke(new BasicStroke(1f));
    }

    private static String format(double value) {
        return Math.abs(value) >= 1000 ? String.format(Locale.ROOT, "%.0f", value)
                : String.format(Locale.ROOT, "%.3g", value);
    }
}
