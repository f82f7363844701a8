package demo

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/coupon"
	"partnercenter/internal/customer"
	"partnercenter/internal/metering"
	"partnercenter/internal/order"
	"partnercenter/internal/store"
)

// The simulated cloud of the demo: a catalogue of about thirty products over
// the provider's usual services and five regions, and half a year of
// on-behalf orders and resources for the demo partners' resale customers,
// written at the moments they happened, with the cloud's jobs (metering of
// pay-per-use hours, expiry and auto-renewal, release, payment timeouts)
// run every few days in between. The result has orders of every type and
// status and resources in every state: in use, expiring soon with
// auto-renewal on, in the retention period, released, frozen (by the
// partner, and for arrears), and pay-per-use resources metered for weeks or
// months.

// demoRegions are the regions of the simulated cloud.
var demoRegions = []catalogue.Region{
	{Code: "cn-north-4", NameZh: "华北-北京四", NameEn: "CN North-Beijing4", Sort: 10},
	{Code: "cn-east-3", NameZh: "华东-上海一", NameEn: "CN East-Shanghai1", Sort: 20},
	{Code: "cn-south-1", NameZh: "华南-广州", NameEn: "CN South-Guangzhou", Sort: 30},
	{Code: "cn-southwest-2", NameZh: "西南-贵阳一", NameEn: "CN Southwest-Guiyang1", Sort: 40},
	{Code: "ap-southeast-1", NameZh: "中国-香港", NameEn: "CN-Hong Kong", Sort: 50},
}

// demoServiceTypes are the services of the simulated cloud, with the
// provider's codes.
var demoServiceTypes = []catalogue.ServiceType{
	{Code: "hws.service.type.ec2", NameZh: "弹性云服务器", NameEn: "Elastic Cloud Server", Sort: 10},
	{Code: "hws.service.type.ebs", NameZh: "云硬盘", NameEn: "Elastic Volume Service", Sort: 20},
	{Code: "hws.service.type.obs", NameZh: "对象存储服务", NameEn: "Object Storage Service", Sort: 30},
	{Code: "hws.service.type.vpc", NameZh: "虚拟私有云", NameEn: "Virtual Private Cloud", Sort: 40},
	{Code: "hws.service.type.eip", NameZh: "弹性公网IP", NameEn: "Elastic IP", Sort: 50},
	{Code: "hws.service.type.elb", NameZh: "弹性负载均衡", NameEn: "Elastic Load Balance", Sort: 60},
	{Code: "hws.service.type.rds", NameZh: "云数据库", NameEn: "Relational Database Service", Sort: 70},
	{Code: "hws.service.type.dcs", NameZh: "分布式缓存服务", NameEn: "Distributed Cache Service", Sort: 80},
	{Code: "hws.service.type.cce", NameZh: "云容器引擎", NameEn: "Cloud Container Engine", Sort: 90},
	{Code: "hws.service.type.cdn", NameZh: "内容分发网络", NameEn: "Content Delivery Network", Sort: 100},
}

// demoResourceTypes name the resource types the products belong to.
var demoResourceTypes = map[string][3]string{ // code: service type, zh, en
	"hws.resource.type.vm":          {"hws.service.type.ec2", "云服务器", "Cloud server"},
	"hws.resource.type.volume":      {"hws.service.type.ebs", "云硬盘", "Disk"},
	"hws.resource.type.obs":         {"hws.service.type.obs", "对象存储", "Object storage"},
	"hws.resource.type.obs.package": {"hws.service.type.obs", "对象存储资源包", "Object storage package"},
	"hws.resource.type.bandwidth":   {"hws.service.type.vpc", "带宽", "Bandwidth"},
	"hws.resource.type.eip":         {"hws.service.type.eip", "弹性公网IP", "EIP"},
	"hws.resource.type.elb":         {"hws.service.type.elb", "负载均衡器", "Load balancer"},
	"hws.resource.type.rds.vm":      {"hws.service.type.rds", "数据库实例", "DB instance"},
	"hws.resource.type.dcs":         {"hws.service.type.dcs", "缓存实例", "Cache instance"},
	"hws.resource.type.cce.cluster": {"hws.service.type.cce", "容器集群", "Container cluster"},
	"hws.resource.type.cdn":         {"hws.service.type.cdn", "加速流量", "Acceleration traffic"},
	"hws.resource.type.cdn.package": {"hws.service.type.cdn", "流量包", "Traffic package"},
}

// demoProduct is one line of the demo catalogue: monthly price in fen
// (the yearly price is ten months'), and the pay-per-use rate in yuan with
// up to 8 decimals per unit and hour.
type demoProduct struct {
	resType, spec, zh, en string
	monthly               int64
	yearly                int64 // 0: ten times monthly
	unit, rate            string
	regions               []string
	incentive, retired    bool
}

var mainland = []string{"cn-north-4", "cn-east-3", "cn-south-1"}

var demoProducts = []demoProduct{
	{resType: "hws.resource.type.vm", spec: "s6.small.1.linux", zh: "通用计算型 s6 | 1vCPUs | 1GiB | Linux", en: "General computing s6 | 1 vCPU | 1 GiB | Linux", monthly: 34_50, unit: "hour", rate: "0.067"},
	{resType: "hws.resource.type.vm", spec: "s6.medium.2.linux", zh: "通用计算型 s6 | 1vCPUs | 2GiB | Linux", en: "General computing s6 | 1 vCPU | 2 GiB | Linux", monthly: 68_00, unit: "hour", rate: "0.132"},
	{resType: "hws.resource.type.vm", spec: "s6.large.2.linux", zh: "通用计算型 s6 | 2vCPUs | 4GiB | Linux", en: "General computing s6 | 2 vCPUs | 4 GiB | Linux", monthly: 136_00, unit: "hour", rate: "0.264", incentive: true},
	{resType: "hws.resource.type.vm", spec: "s6.xlarge.2.linux", zh: "通用计算型 s6 | 4vCPUs | 8GiB | Linux", en: "General computing s6 | 4 vCPUs | 8 GiB | Linux", monthly: 272_00, unit: "hour", rate: "0.529"},
	{resType: "hws.resource.type.vm", spec: "s6.large.2.win", zh: "通用计算型 s6 | 2vCPUs | 4GiB | Windows", en: "General computing s6 | 2 vCPUs | 4 GiB | Windows", monthly: 196_00, unit: "hour", rate: "0.381"},
	{resType: "hws.resource.type.vm", spec: "c7.2xlarge.2.linux", zh: "通用计算增强型 c7 | 8vCPUs | 16GiB | Linux", en: "General computing-plus c7 | 8 vCPUs | 16 GiB | Linux", monthly: 812_00, unit: "hour", rate: "1.579", incentive: true},
	{resType: "hws.resource.type.vm", spec: "m7.xlarge.8.linux", zh: "内存优化型 m7 | 4vCPUs | 32GiB | Linux", en: "Memory-optimised m7 | 4 vCPUs | 32 GiB | Linux", monthly: 620_00, unit: "hour", rate: "1.206"},
	{resType: "hws.resource.type.vm", spec: "pi2.2xlarge.4.linux", zh: "GPU推理加速型 pi2 | 8vCPUs | 32GiB | 1*T4", en: "GPU inference pi2 | 8 vCPUs | 32 GiB | 1×T4", monthly: 3400_00, unit: "hour", rate: "6.611", regions: []string{"cn-north-4", "cn-east-3"}},
	{resType: "hws.resource.type.vm", spec: "s3.medium.2.linux", zh: "通用计算型 s3（上一代）| 1vCPUs | 2GiB | Linux", en: "General computing s3 (previous generation) | 1 vCPU | 2 GiB | Linux", monthly: 72_00, retired: true},
	{resType: "hws.resource.type.volume", spec: "evs.sata.100g", zh: "普通IO | 100GB", en: "Common I/O | 100 GB", monthly: 30_00, unit: "hour", rate: "0.0625"},
	{resType: "hws.resource.type.volume", spec: "evs.sas.100g", zh: "高IO | 100GB", en: "High I/O | 100 GB", monthly: 35_00, unit: "hour", rate: "0.0729"},
	{resType: "hws.resource.type.volume", spec: "evs.ssd.200g", zh: "超高IO | 200GB", en: "Ultra-high I/O | 200 GB", monthly: 200_00, unit: "hour", rate: "0.4167"},
	{resType: "hws.resource.type.volume", spec: "evs.essd.500g", zh: "极速型SSD | 500GB", en: "Extreme SSD | 500 GB", monthly: 1000_00, unit: "hour", rate: "2.0833", regions: mainland},
	{resType: "hws.resource.type.obs", spec: "obs.standard", zh: "标准存储 | 按容量", en: "Standard storage | by capacity", unit: "GB-hour", rate: "0.0001375", incentive: true},
	{resType: "hws.resource.type.obs", spec: "obs.warm", zh: "低频访问存储 | 按容量", en: "Infrequent access storage | by capacity", unit: "GB-hour", rate: "0.00011111"},
	{resType: "hws.resource.type.obs", spec: "obs.cold", zh: "归档存储 | 按容量", en: "Archive storage | by capacity", unit: "GB-hour", rate: "0.00004583"},
	{resType: "hws.resource.type.obs.package", spec: "obs.package.standard.1tb", zh: "标准存储资源包 | 1TB", en: "Standard storage package | 1 TB", monthly: 99_00, yearly: 990_00},
	{resType: "hws.resource.type.bandwidth", spec: "bandwidth.bgp.5m", zh: "独享带宽 | 全动态BGP | 5Mbit/s", en: "Dedicated bandwidth | Dynamic BGP | 5 Mbit/s", monthly: 115_00, unit: "hour", rate: "0.32"},
	{resType: "hws.resource.type.bandwidth", spec: "bandwidth.bgp.traffic", zh: "独享带宽 | 全动态BGP | 按流量", en: "Dedicated bandwidth | Dynamic BGP | by traffic", unit: "GB", rate: "0.80"},
	{resType: "hws.resource.type.bandwidth", spec: "bandwidth.shared.100m", zh: "共享带宽 | 100Mbit/s", en: "Shared bandwidth | 100 Mbit/s", monthly: 8000_00, regions: mainland},
	{resType: "hws.resource.type.eip", spec: "eip.5_bgp", zh: "全动态BGP | 1个", en: "Dynamic BGP | 1 address", monthly: 20_00, unit: "hour", rate: "0.02"},
	{resType: "hws.resource.type.eip", spec: "eip.5_sbgp", zh: "静态BGP | 1个", en: "Static BGP | 1 address", monthly: 18_00, unit: "hour", rate: "0.02", regions: mainland},
	{resType: "hws.resource.type.elb", spec: "elb.shared", zh: "共享型负载均衡 | 按实例", en: "Shared load balancer | per instance", unit: "hour", rate: "0.07"},
	{resType: "hws.resource.type.elb", spec: "elb.dedicated.small.1", zh: "独享型负载均衡 | 小型I", en: "Dedicated load balancer | Small I", monthly: 150_00, unit: "hour", rate: "0.3125"},
	{resType: "hws.resource.type.rds.vm", spec: "rds.mysql.n1.large.2", zh: "MySQL 8.0 | 单机 | 2vCPUs | 4GB", en: "MySQL 8.0 | Single | 2 vCPUs | 4 GB", monthly: 430_00, unit: "hour", rate: "0.89"},
	{resType: "hws.resource.type.rds.vm", spec: "rds.mysql.n1.large.2.ha", zh: "MySQL 8.0 | 主备 | 2vCPUs | 4GB", en: "MySQL 8.0 | Primary/standby | 2 vCPUs | 4 GB", monthly: 860_00, unit: "hour", rate: "1.79", incentive: true},
	{resType: "hws.resource.type.rds.vm", spec: "rds.pg.n1.xlarge.4.ha", zh: "PostgreSQL 14 | 主备 | 4vCPUs | 16GB", en: "PostgreSQL 14 | Primary/standby | 4 vCPUs | 16 GB", monthly: 2350_00, unit: "hour", rate: "4.90", regions: mainland},
	{resType: "hws.resource.type.dcs", spec: "redis.single.1g", zh: "Redis 6.0 | 单机 | 1GB", en: "Redis 6.0 | Single | 1 GB", monthly: 60_00, unit: "hour", rate: "0.125"},
	{resType: "hws.resource.type.dcs", spec: "redis.ha.8g", zh: "Redis 6.0 | 主备 | 8GB", en: "Redis 6.0 | Primary/standby | 8 GB", monthly: 720_00, unit: "hour", rate: "1.50"},
	{resType: "hws.resource.type.cce.cluster", spec: "cce.s1.small", zh: "CCE 集群 | 单控制节点 | 50节点", en: "CCE cluster | 1 control node | 50 nodes", monthly: 180_00, unit: "hour", rate: "0.375"},
	{resType: "hws.resource.type.cce.cluster", spec: "cce.s2.medium", zh: "CCE 集群 | 3控制节点 | 200节点", en: "CCE cluster | 3 control nodes | 200 nodes", monthly: 1200_00, unit: "hour", rate: "2.50", incentive: true},
	{resType: "hws.resource.type.cdn", spec: "cdn.traffic.mainland", zh: "中国大陆 | 按流量", en: "Chinese mainland | by traffic", unit: "GB", rate: "0.20"},
	{resType: "hws.resource.type.cdn.package", spec: "cdn.package.mainland.1tb", zh: "中国大陆流量包 | 1TB", en: "Chinese mainland traffic package | 1 TB", yearly: 1260_00},
}

// yuanRate turns a rate in yuan with up to 8 decimals ("0.0001375") into
// catalogue rate units.
func yuanRate(s string) int64 {
	if s == "" {
		return 0
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 8 {
		panic("demo: rate with more than 8 decimals: " + s)
	}
	var n int64
	for _, d := range whole + frac + strings.Repeat("0", 8-len(frac)) {
		if d < '0' || d > '9' {
			panic("demo: bad rate " + s)
		}
		n = n*10 + int64(d-'0')
	}
	return n
}

// loadCatalogue writes the service types, regions and products at a moment
// and returns the products by spec code.
func loadCatalogue(ctx context.Context, db *store.DB, at time.Time) (map[string]*catalogue.Product, error) {
	products := map[string]*catalogue.Product{}
	err := db.InTxAt(ctx, at, func(tx *store.Tx) error {
		for _, s := range demoServiceTypes {
			if err := catalogue.SaveServiceType(ctx, tx, s); err != nil {
				return err
			}
		}
		for _, r := range demoRegions {
			if err := catalogue.SaveRegion(ctx, tx, r); err != nil {
				return err
			}
		}
		for _, d := range demoProducts {
			rt := demoResourceTypes[d.resType]
			yearly := d.yearly
			if yearly == 0 {
				yearly = d.monthly * 10
			}
			p := &catalogue.Product{ServiceTypeCode: rt[0], ResourceTypeCode: d.resType, ResourceTypeZh: rt[1], ResourceTypeEn: rt[2],
				SpecCode: d.spec, SpecZh: d.zh, SpecEn: d.en, Regions: d.regions, MonthlyPrice: d.monthly, YearlyPrice: yearly,
				UsageUnit: d.unit, UsageRate: yuanRate(d.rate), Incentive: d.incentive, OnSale: !d.retired}
			if err := catalogue.Save(ctx, tx, p); err != nil {
				return fmt.Errorf("demo product %s: %w", d.spec, err)
			}
			products[d.spec] = p
		}
		return nil
	})
	return products, err
}

// cloudEvent is one thing that happens in the demo cloud at a moment.
type cloudEvent struct {
	at   time.Time
	what string
	do   func(tx *store.Tx) error
	jobs bool // run the cloud's periodic jobs instead
}

// cloudBuyer is a resale customer the demo orders for.
type cloudBuyer struct {
	partner   string // the partner's demo name
	partnerID string
	c         *customer.Customer
	operator  string // who places the orders
	app       string // what the customer runs, for resource names
	// The customer's usable coupons when the cloud's history is written:
	// a voucher it has already used part of, an untouched voucher, a cash
	// coupon.
	voucherUsed, voucherFresh, cash bool
}

// purchase is an order as the timeline creates and pays it.
type purchase struct {
	o *order.Order
}

// resource is the resource of an order line once the order is paid.
func (p *purchase) resource(line int) string {
	if p.o == nil || line >= len(p.o.Lines) {
		return ""
	}
	return p.o.Lines[line].ResourceID
}

type cloudPlan struct {
	ctx      context.Context
	today    time.Time // midnight UTC of the demo's day
	products map[string]*catalogue.Product
	events   []cloudEvent
	launched int // buyers given pay-per-use resources so far
}

// launchDays are how many days ago the buyers' pay-per-use resources start.
var launchDays = []int{70, 6, 12, 4, 95, 9, 15, 5, 8, 3, 10}

// at is a moment daysAgo days back in office hours (UTC+8), spread by k.
func (pl *cloudPlan) at(daysAgo, k int) time.Time {
	return pl.today.AddDate(0, 0, -daysAgo).Add(time.Duration(1+k%8)*time.Hour + time.Duration(k*7%60)*time.Minute)
}

func (pl *cloudPlan) add(at time.Time, what string, fn func(tx *store.Tx) error) {
	pl.events = append(pl.events, cloudEvent{at: at, what: what, do: fn})
}

func (pl *cloudPlan) line(spec, region string, periodType, periodNum, quantity int, name string) order.LineRequest {
	return order.LineRequest{ProductID: pl.products[spec].ID, Region: region, PeriodType: periodType, PeriodNum: periodNum,
		Quantity: quantity, Name: name}
}

// Which coupons pay an order.
const (
	noCoupons      = 0
	startedVoucher = 1 // vouchers the customer has already used part of
	anyVoucher     = 2
)

// buy creates a new-purchase order at a moment; with pay it is paid at once
// (with the customer's vouchers as withCoupons says), and with autoRenew its
// resources renew themselves.
func (pl *cloudPlan) buy(b *cloudBuyer, at time.Time, lines []order.LineRequest, pay bool, withCoupons int, autoRenew bool) *purchase {
	p := &purchase{}
	scope := customer.PartnerScope(b.partnerID)
	pl.add(at, "order for "+b.c.DomainName, func(tx *store.Tx) (err error) {
		if p.o, err = order.Create(pl.ctx, tx, order.NewOrder{Scope: scope, CustomerID: b.c.ID, Lines: lines, CreatedBy: b.operator}); err != nil || !pay {
			return err
		}
		var coupons []string
		if withCoupons != noCoupons {
			if coupons, err = usableCoupons(pl.ctx, tx, b, p.o.Amount, withCoupons == anyVoucher); err != nil {
				return err
			}
		}
		if p.o, err = order.Pay(pl.ctx, tx, order.PayRequest{Scope: scope, OrderID: p.o.ID, CouponIDs: coupons}); err != nil {
			return err
		}
		if autoRenew {
			for _, l := range p.o.Lines {
				if _, err := order.SetAutoRenew(pl.ctx, tx, b.partnerID, l.ResourceID, true); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return p
}

// usableCoupons picks the customer's vouchers usable now (unless all, only
// those it has started on), largest first, until they cover amount, at most
// coupon.MaxCouponsPerPayment. Cash coupons are left as the coupon pages of
// the demo show them.
func usableCoupons(ctx context.Context, tx *store.Tx, b *cloudBuyer, amount int64, all bool) ([]string, error) {
	cs, _, err := coupon.List(ctx, tx, coupon.Filter{PartnerID: b.partnerID, CustomerID: b.c.ID, Type: coupon.TypeVoucher,
		Status: coupon.Usable, Limit: 20})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Balance > cs[j].Balance })
	var out []string
	for _, c := range cs {
		if amount <= 0 || len(out) == coupon.MaxCouponsPerPayment {
			break
		}
		if c.Balance <= 0 || (c.Balance == c.FaceValue && !all) || c.UsableAt(tx.Now) != nil || len(c.ServiceTypes) > 0 || len(c.ProductIDs) > 0 {
			continue
		}
		out = append(out, c.ID)
		amount -= c.Balance
	}
	return out, nil
}

// renew renews the resource of a purchase's line; autoPay pays it from the
// balance at once, otherwise the renewal order waits for payment.
func (pl *cloudPlan) renew(b *cloudBuyer, at time.Time, p *purchase, line, periodType, periodNum int, autoPay bool) {
	pl.add(at, "renewal for "+b.c.DomainName, func(tx *store.Tx) error {
		_, fails, err := order.Renew(pl.ctx, tx, order.RenewRequest{PartnerID: b.partnerID, ResourceIDs: []string{p.resource(line)},
			PeriodType: periodType, PeriodNum: periodNum, AutoPay: autoPay, CreatedBy: b.operator})
		if err == nil && len(fails) > 0 {
			err = fails[0].Err
		}
		return err
	})
}

// change switches the resource of a purchase's line to another spec; an
// upgrade is paid at once.
func (pl *cloudPlan) change(b *cloudBuyer, at time.Time, p *purchase, line int, spec string) {
	pl.add(at, "change for "+b.c.DomainName, func(tx *store.Tx) error {
		o, err := order.Change(pl.ctx, tx, order.ChangeRequest{PartnerID: b.partnerID, ResourceID: p.resource(line),
			ProductID: pl.products[spec].ID, CreatedBy: b.operator})
		if err != nil || o.Status != order.StatusPendingPayment {
			return err
		}
		_, err = order.Pay(pl.ctx, tx, order.PayRequest{Scope: customer.PartnerScope(b.partnerID), OrderID: o.ID})
		return err
	})
}

// unsubscribe releases the resource of a purchase's line with a refund.
func (pl *cloudPlan) unsubscribe(b *cloudBuyer, at time.Time, p *purchase, line int, reason string) {
	pl.add(at, "unsubscription for "+b.c.DomainName, func(tx *store.Tx) error {
		_, fails, err := order.Unsubscribe(pl.ctx, tx, order.UnsubscribeRequest{PartnerID: b.partnerID,
			ResourceIDs: []string{p.resource(line)}, Reason: reason, CreatedBy: b.operator})
		if err == nil && len(fails) > 0 {
			err = fails[0].Err
		}
		return err
	})
}

// cancel cancels a purchase still pending payment.
func (pl *cloudPlan) cancel(b *cloudBuyer, at time.Time, p *purchase, reason string) {
	pl.add(at, "cancellation for "+b.c.DomainName, func(tx *store.Tx) error {
		_, err := order.Cancel(pl.ctx, tx, customer.PartnerScope(b.partnerID), p.o.ID, reason)
		return err
	})
}

// launch starts a pay-per-use resource; the id is known once it has run.
func (pl *cloudPlan) launch(b *cloudBuyer, at time.Time, spec, region, name string, quantity int) *string {
	id := new(string)
	pl.add(at, "pay-per-use resource for "+b.c.DomainName, func(tx *store.Tx) error {
		r, err := order.LaunchPayPerUse(pl.ctx, tx, b.partnerID, b.c.ID, pl.products[spec].ID, region, name, quantity)
		if err == nil {
			*id = r.ID
		}
		return err
	})
	return id
}

// release releases a pay-per-use resource, as the customer does in the
// cloud's console; metering charges it up to then.
func (pl *cloudPlan) release(b *cloudBuyer, at time.Time, id *string) {
	pl.add(at, "release for "+b.c.DomainName, func(tx *store.Tx) error {
		_, err := metering.Release(pl.ctx, tx, customer.PartnerScope(b.partnerID), *id)
		return err
	})
}

var demoApps = []string{"web", "erp", "shop", "crm", "oa", "mes", "api", "bi", "iot", "edu"}

var demoECS = []string{"s6.medium.2.linux", "s6.large.2.linux", "s6.small.1.linux", "s6.xlarge.2.linux", "s6.large.2.win"}

// cloudDays is how far back the demo cloud's catalogue goes; the first
// orders are placed cloudHistory days back.
const (
	cloudDays    = 200
	cloudHistory = 160
)

// loadCloud writes the demo catalogue and the demo customers' orders and
// resources over the last months.
func loadCloud(ctx context.Context, db *store.DB, now time.Time) error {
	pl := &cloudPlan{ctx: ctx, today: now.UTC().Truncate(24 * time.Hour)}
	var err error
	if pl.products, err = loadCatalogue(ctx, db, pl.at(cloudDays, 0)); err != nil {
		return err
	}
	pids, err := partnerIDs(ctx, db)
	if err != nil {
		return err
	}
	buyers := map[string][]*cloudBuyer{}
	for _, name := range []string{"distributor", "reseller-a", "reseller", "reseller-b"} {
		cs, _, err := customer.List(ctx, db.Reader(), customer.PartnerScope(pids[name]), customer.Filter{AssociationType: customer.Resale, Limit: 100})
		if err != nil {
			return err
		}
		slices.SortFunc(cs, func(a, b *customer.Customer) int { return strings.Compare(a.DomainName, b.DomainName) })
		for _, c := range cs {
			if c.Frozen != customer.NotFrozen {
				continue
			}
			b := &cloudBuyer{partner: name, partnerID: pids[name], c: c, operator: name}
			if c.Manager != nil {
				b.operator = "distributor-manager"
			}
			buyers[name] = append(buyers[name], b)
		}
	}
	// Authorisations, half a year back: every resale customer but the last
	// of reseller-b, which shows the authorisation still to be asked for.
	pl.add(pl.at(cloudDays-10, 0), "authorisations", func(tx *store.Tx) error {
		for _, name := range []string{"distributor", "reseller-a", "reseller", "reseller-b"} {
			for i, b := range buyers[name] {
				if name == "reseller-b" && i == len(buyers[name])-1 {
					continue
				}
				if err := order.RecordGrant(ctx, tx, b.partnerID, b.c.ID); err != nil {
					return err
				}
			}
		}
		return nil
	})
	coupons, _, err := coupon.List(ctx, db.Reader(), coupon.Filter{PartnerID: pids["distributor"], Status: coupon.Usable, Limit: 100})
	if err != nil {
		return err
	}
	for _, c := range coupons {
		for _, b := range buyers["distributor"] {
			switch {
			case c.CustomerID != b.c.ID:
			case c.Type == coupon.TypeCash:
				b.cash = true
			case c.Balance < c.FaceValue:
				b.voucherUsed = true
			default:
				b.voucherFresh = true
			}
		}
	}
	var funded []*cloudBuyer
	for _, name := range []string{"distributor", "reseller-a", "reseller"} {
		funded = append(funded, buyers[name]...)
	}
	for i, b := range funded {
		b.app = demoApps[i%len(demoApps)]
		frozen := b.partner == "reseller" && b == buyers["reseller"][len(buyers["reseller"])-1]
		pl.planBuyer(b, i, frozen)
	}
	pl.planUnfunded(buyers["reseller-b"])
	// The cloud's jobs at night (UTC+8) every four days and once more now:
	// expiry with auto-renewal, release after the retention period, payment
	// timeouts, and every sixteen days the metering of the pay-per-use hours
	// (sixteen days of hours to a transaction, so that the demo loads
	// quickly).
	for d := cloudHistory; d >= 1; d -= 4 {
		at := pl.today.AddDate(0, 0, -d).Add(16 * time.Hour)
		if d%16 == 0 {
			pl.events = append(pl.events, cloudEvent{at: at, what: "metering", jobs: true})
		} else {
			pl.add(at, "housekeeping", pl.housekeeping)
		}
	}
	pl.events = append(pl.events, cloudEvent{at: now, what: "metering", jobs: true})
	sort.SliceStable(pl.events, func(i, j int) bool { return pl.events[i].at.Before(pl.events[j].at) })
	var sim metering.SimResult
	for _, e := range pl.events {
		if e.jobs {
			err = metering.Tick(ctx, db, e.at, metering.Options{Window: 16 * 24 * time.Hour, Grace: metering.DefaultGrace}, &sim)
		} else {
			err = db.InTxAt(ctx, e.at, e.do)
		}
		if err != nil {
			return fmt.Errorf("demo cloud, %s at %s: %w", e.what, e.at.Format(time.RFC3339), err)
		}
	}
	return nil
}

func (pl *cloudPlan) housekeeping(tx *store.Tx) error {
	if _, err := order.CancelOverdue(pl.ctx, tx, 1000); err != nil {
		return err
	}
	_, err := order.RunLifecycle(pl.ctx, tx, 1000)
	return err
}

// planBuyer plans the history of a customer with a balance: a yearly
// server with its disk and address bought months ago, then one of seven
// stories, coupons for some, and pay-per-use resources for most. A frozen
// buyer's partner froze its account and resources a week ago.
func (pl *cloudPlan) planBuyer(b *cloudBuyer, i int, frozen bool) {
	const month, year = catalogue.PeriodMonth, catalogue.PeriodYear
	region := demoRegions[i%4].Code
	name := func(kind string, n int) string { return fmt.Sprintf("%s-%s-%02d", kind, b.app, n) }
	base := pl.buy(b, pl.at(160-4*i, i), []order.LineRequest{
		pl.line(demoECS[i%len(demoECS)], region, year, 1, 1+i%3/2, name("ecs", 1)),
		pl.line("evs.sas.100g", region, year, 1, 1+i%2, name("evs", 1)),
		pl.line("eip.5_bgp", region, year, 1, 1, name("eip", 1)),
	}, true, noCoupons, i%4 == 0)
	// Pay-per-use resources for most, but none for the distributor's
	// customers holding cash coupons or vouchers they have started on:
	// metering would spend those first, and the coupon pages of the demo
	// show them as issued. Untouched vouchers are spent on an order before
	// the launch. A few run for months, most for days or weeks: metering
	// every hour of them is what takes longest when the demo loads.
	onDemand := i%3 != 2
	if b.partner == "distributor" {
		onDemand = !b.cash && !b.voucherUsed
	}
	launchDay := 0
	if onDemand {
		launchDay = launchDays[pl.launched%len(launchDays)]
		pl.launched++
	}
	if frozen {
		launchDay = max(launchDay, 12)
	}
	if b.partner == "distributor" {
		launchDay = min(launchDay, 70)
		if onDemand && b.voucherFresh {
			pl.buy(b, pl.at(78, i), []order.LineRequest{pl.line("s6.large.2.linux", region, year, 1, 1, name("ecs", 4))}, true, anyVoucher, false)
		}
	}
	if onDemand {
		launches := []struct {
			spec string
			qty  int
		}{{"obs.standard", 500 + 100*i}, {"s6.large.2.linux", 1}, {"elb.shared", 1}, {"cdn.traffic.mainland", 1}, {"evs.sata.100g", 2}}
		l := launches[i%len(launches)]
		id := pl.launch(b, pl.at(launchDay, i+3), l.spec, region, name(strings.SplitN(l.spec, ".", 2)[0]+"-od", 1), l.qty)
		if launchDay == 12 && !frozen { // a trial, released after ten days
			pl.release(b, pl.at(2, i), id)
		}
	}
	if frozen {
		pl.add(pl.at(7, i), "freeze of "+b.c.DomainName, func(tx *store.Tx) error {
			_, _, err := customer.Freeze(pl.ctx, tx, b.partnerID, b.c.ID, customer.FrozenAccountAndResource, "欠费未结清，冻结账号及资源")
			return err
		})
		return
	}
	switch i % 7 {
	case 0: // a monthly server with auto-renewal, expiring in a few days; an order waiting for payment
		pl.buy(b, pl.at(26, i), []order.LineRequest{pl.line("s6.large.2.linux", region, month, 1, 1, name("ecs", 2))}, true, noCoupons, true)
		pl.buy(b, pl.at(1+i%3, i), []order.LineRequest{pl.line("rds.mysql.n1.large.2", region, month, 1, 1, name("rds", 1))}, false, noCoupons, false)
	case 1: // expired a week ago and kept for the retention period; an older one released
		pl.buy(b, pl.at(38, i), []order.LineRequest{pl.line("s6.medium.2.linux", region, month, 1, 1, name("ecs", 2))}, true, noCoupons, false)
		pl.buy(b, pl.at(110, i), []order.LineRequest{pl.line("evs.ssd.200g", region, month, 1, 1, name("evs", 2))}, true, noCoupons, false)
	case 2: // a cache renewed every month by auto-renewal; an order cancelled by hand
		pl.buy(b, pl.at(100, i), []order.LineRequest{pl.line("redis.single.1g", region, month, 1, 1, name("redis", 1))}, true, noCoupons, true)
		p := pl.buy(b, pl.at(50, i), []order.LineRequest{pl.line("cce.s1.small", region, year, 1, 1, name("cce", 1))}, false, noCoupons, false)
		pl.cancel(b, pl.at(50, i).Add(2*time.Hour), p, "客户暂缓采购")
	case 3: // a server upgraded to a larger spec
		p := pl.buy(b, pl.at(90, i), []order.LineRequest{pl.line("s6.medium.2.linux", region, month, 6, 1, name("ecs", 2))}, true, noCoupons, false)
		pl.change(b, pl.at(45, i), p, 0, "s6.large.2.linux")
	case 4: // a database unsubscribed with a refund; an order left unpaid until it timed out
		p := pl.buy(b, pl.at(80, i), []order.LineRequest{pl.line("rds.mysql.n1.large.2", region, month, 3, 1, name("rds", 1))}, true, noCoupons, false)
		pl.unsubscribe(b, pl.at(30, i), p, 0, "业务迁移，数据库不再使用")
		pl.buy(b, pl.at(20, i), []order.LineRequest{pl.line("elb.dedicated.small.1", region, month, 3, 1, name("elb", 1))}, false, noCoupons, false)
	case 5: // a disk renewed by hand; a renewal of the yearly server waiting for payment
		p := pl.buy(b, pl.at(70, i), []order.LineRequest{pl.line("evs.ssd.200g", region, month, 2, 1, name("evs", 2))}, true, noCoupons, false)
		pl.renew(b, pl.at(15, i), p, 0, month, 3, true)
		pl.renew(b, pl.at(2, i), base, 0, year, 1, false)
	case 6: // a server downgraded, the difference refunded
		p := pl.buy(b, pl.at(60, i), []order.LineRequest{pl.line("s6.xlarge.2.linux", region, month, 3, 1, name("ecs", 2))}, true, noCoupons, false)
		pl.change(b, pl.at(20, i), p, 0, "s6.large.2.linux")
	}
	// The distributor's customers got vouchers about three months ago;
	// those who have started on theirs pay another order with them.
	if b.voucherUsed {
		pl.buy(b, pl.at(40-i, i), []order.LineRequest{pl.line("s6.large.2.linux", region, month, 2, 1, name("ecs", 3)),
			pl.line("obs.package.standard.1tb", region, month, 2, 1, name("obs", 1))}, true, startedVoucher, false)
	}
}

// planUnfunded plans reseller-b's customers, which have no balance: an
// order waiting for payment and an earlier one that timed out, and a
// pay-per-use server launched without money: its customer goes into
// arrears and, after the grace period, the server is frozen.
func (pl *cloudPlan) planUnfunded(bs []*cloudBuyer) {
	if len(bs) < 3 {
		return
	}
	b := bs[0]
	b.app = "lab"
	pl.buy(b, pl.at(30, 1), []order.LineRequest{pl.line("s6.small.1.linux", "cn-east-3", catalogue.PeriodMonth, 1, 1, "ecs-lab-01")}, false, noCoupons, false)
	pl.buy(b, pl.at(3, 2), []order.LineRequest{pl.line("s6.small.1.linux", "cn-east-3", catalogue.PeriodMonth, 1, 1, "ecs-lab-01"),
		pl.line("evs.sata.100g", "cn-east-3", catalogue.PeriodMonth, 1, 1, "evs-lab-01")}, false, noCoupons, false)
	pl.launch(bs[1], pl.at(25, 3), "s6.medium.2.linux", "cn-east-3", "ecs-test-od-01", 1)
}
