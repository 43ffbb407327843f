// The county's charts: lines (trends) and scatter (the funnel plot), drawn as SVG.
import * as echarts from "echarts/core";
import { LineChart, ScatterChart } from "echarts/charts";
import { GridComponent, TooltipComponent, LegendComponent, MarkLineComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";
echarts.use([LineChart, ScatterChart, GridComponent, TooltipComponent, LegendComponent,
             MarkLineComponent, SVGRenderer]);
window.echarts = echarts;
