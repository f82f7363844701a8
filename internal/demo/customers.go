package demo

import (
	"context"
	"fmt"
	"time"

	"partnercenter/internal/customer"
	"partnercenter/internal/store"
)

// demoCompanies name the demo customers; the list is long enough for about
// thirty customers spread over the demo partners.
var demoCompanies = []string{
	"杭州青禾电子商务有限公司", "宁波海港物流有限公司", "南京云栖软件有限公司", "合肥星河教育科技有限公司",
	"上海橙果传媒有限公司", "苏州工业园区精密制造有限公司", "无锡太湖医疗器械有限公司", "温州瓯江鞋业有限公司",
	"嘉兴南湖文旅发展有限公司", "绍兴越城纺织有限公司", "常州龙城新能源有限公司", "扬州运河食品有限公司",
	"南通江海建设工程有限公司", "台州椒江汽配有限公司", "金华义乌小商品贸易有限公司", "湖州南太湖茶业有限公司",
	"舟山群岛海洋科技有限公司", "徐州淮海机械有限公司", "镇江金山化工有限公司", "泰州医药城生物科技有限公司",
	"盐城黄海风电有限公司", "连云港港口服务有限公司", "芜湖江城智能装备有限公司", "马鞍山钢构工程有限公司",
	"安庆皖江农业发展有限公司", "丽水山居民宿管理有限公司", "衢州两山数据服务有限公司", "宿迁电商产业园有限公司",
	"淮安运河文化传播有限公司", "蚌埠珠城玻璃新材料有限公司", "个人开发者 张伟", "个人开发者 刘洋",
}

// loadCustomers creates the demo customers: both association types, some
// with a customer manager, one frozen, and a few free accounts that partners
// can invite.
func loadCustomers(ctx context.Context, tx *store.Tx, partnerIDs map[string]string, managerID string) error {
	owners := []struct {
		partner string
		count   int
	}{{"distributor", 14}, {"reseller-a", 5}, {"reseller-b", 4}, {"reseller", 6}}
	i := 0
	for _, o := range owners {
		for k := 0; k < o.count; k++ {
			name := demoCompanies[i%len(demoCompanies)]
			typ := customer.TypeEnterprise
			if i >= 30 {
				typ = customer.TypeIndividual
			}
			c, err := customer.RegisterAccount(ctx, tx, customer.NewAccount{
				DomainName: fmt.Sprintf("%s-cust%02d", shortName(o.partner), k+1), RealName: name, Type: typ,
				VerifiedStatus: customer.VerifiedDone, Email: fmt.Sprintf("it%02d@customer%02d.example", k+1, i+1),
				Mobile: fmt.Sprintf("1390000%04d", i+1), Level: fmt.Sprintf("V%d", i%4),
			})
			if err != nil {
				return fmt.Errorf("demo customer %d: %w", i, err)
			}
			assoc := customer.Resale
			if k%4 == 3 {
				assoc = customer.Referral
			}
			if err := customer.Associate(ctx, tx, partnerIDs[o.partner], c.ID, assoc); err != nil {
				return err
			}
			if o.partner == "distributor" && k < 5 {
				if _, _, err := customer.AssignManager(ctx, tx, partnerIDs[o.partner], c.ID, managerID, time.Time{}); err != nil {
					return fmt.Errorf("demo manager: %w", err)
				}
			}
			if o.partner == "distributor" && k == 6 {
				if _, _, err := customer.Freeze(ctx, tx, partnerIDs[o.partner], c.ID, customer.FrozenAccount, "欠费未结清"); err != nil {
					return fmt.Errorf("demo freeze: %w", err)
				}
			}
			i++
		}
	}
	for k := 1; k <= 3; k++ {
		if _, err := customer.RegisterAccount(ctx, tx, customer.NewAccount{DomainName: fmt.Sprintf("free-account-%02d", k),
			RealName: demoCompanies[(i+k)%len(demoCompanies)], Type: customer.TypeEnterprise, VerifiedStatus: customer.VerifiedPending}); err != nil {
			return err
		}
	}
	return nil
}

func shortName(partnerName string) string {
	switch partnerName {
	case "distributor":
		return "dist"
	case "reseller-a":
		return "resa"
	case "reseller-b":
		return "resb"
	}
	return partnerName
}
