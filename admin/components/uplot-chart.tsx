// A uPlot chart that fills its container's width (re-measured on resize). The canvas is hidden
// from assistive technology: every chart must come with a text alternative next to it.
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface UPlotChartProps {
  /** Options without width (taken from the container). */
  options: Omit<uPlot.Options, 'width'>;
  data: uPlot.AlignedData;
  class?: string;
}

export function UPlotChart({ options, data, class: cls }: UPlotChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const width = Math.max(280, Math.floor(el.clientWidth));
    const plot = new uPlot({ ...options, width }, data, el);
    chart.current = plot;
    for (const canvas of el.querySelectorAll('canvas')) canvas.setAttribute('aria-hidden', 'true');
    const observer = new ResizeObserver(() => {
      const next = Math.max(280, Math.floor(el.clientWidth));
      if (next !== plot.width) plot.setSize({ width: next, height: options.height });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
      chart.current = null;
    };
  }, [options, data]);

  return <div ref={container} class={['uplot-chart', cls].filter(Boolean).join(' ')} />;
}
